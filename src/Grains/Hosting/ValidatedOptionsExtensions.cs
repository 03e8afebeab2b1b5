using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CallGrains.Hosting;

/// <summary>
/// The one way every CallGrains options class is bound: from its configuration section, checked against its
/// DataAnnotations attributes, failing with the full key of each bad value ("CallGrains:Cluster:SiloPort").
/// </summary>
public static class ValidatedOptionsExtensions
{
    /// <summary>
    /// Binds <paramref name="section"/> onto a <typeparamref name="T"/> with its defaults, validates it now, registers
    /// <see cref="IOptions{TOptions}"/> with the same checks (run again at start and on every reload), and returns the
    /// instance. Composition-time code (Orleans endpoints, Kestrel limits) uses that instance, so it never sees a value
    /// that was not validated, and configuration is read once.
    /// </summary>
    /// <exception cref="OptionsValidationException">A value breaks its attribute; the message names the key.</exception>
    /// <exception cref="InvalidOperationException">A value does not convert to its property's type (the binder names the key).</exception>
    public static T AddValidatedOptions<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class, new()
    {
        var options = new T();
        configuration.GetSection(section).Bind(options);
        var failures = KeyedValidation<T>.Failures(options, section);
        if (failures.Count > 0) throw new OptionsValidationException(section, typeof(T), failures);

        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>>(new KeyedValidation<T>(section)));
        return options;
    }

    /// <summary>
    /// Microsoft.Extensions.Options.DataAnnotations would name the property only ("The field SiloPort ..."), and
    /// SiloPort exists in two sections; the message has to say which key to fix. Properties marked
    /// <see cref="ValidateObjectMembersAttribute"/> are nested sections and are checked under their own key.
    /// </summary>
    private sealed class KeyedValidation<T>(string section) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            if (name != Options.DefaultName) return ValidateOptionsResult.Skip;
            var failures = Failures(options, section);
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        public static List<string> Failures(object options, string section)
        {
            var failures = new List<string>();
            Check(options, section, failures);
            return failures;
        }

        private static void Check(object instance, string prefix, List<string> failures)
        {
            foreach (var property in instance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var attributes = property.GetCustomAttributes<ValidationAttribute>(inherit: true).ToArray();
                var nested = property.IsDefined(typeof(ValidateObjectMembersAttribute), inherit: true);
                // Only annotated properties are read: computed ones (a policy built from the values) may not
                // even be constructible from a bad value.
                if (attributes.Length == 0 && !nested) continue;

                var key = $"{prefix}:{property.Name}";
                var value = property.GetValue(instance);
                var context = new ValidationContext(instance) { MemberName = property.Name, DisplayName = key };
                foreach (var attribute in attributes)
                {
                    var result = attribute.GetValidationResult(value, context);
                    if (result != ValidationResult.Success)
                        failures.Add($"{result?.ErrorMessage?.TrimEnd('.') ?? $"{key} is invalid"} (was {Shown(value)})");
                }
                if (nested && value is not null) Check(value, key, failures);
            }
        }

        private static string Shown(object? value) => value switch
        {
            null => "unset",
            string s => $"\"{s}\"",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
    }
}
