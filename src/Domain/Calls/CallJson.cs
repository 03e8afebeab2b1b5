using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using CallGrains.Domain.Changes;

namespace CallGrains.Domain.Calls;

/// <summary>
/// The JSON shape of the contract: camelCase, enums as kebab-case words ("no-answer"),
/// times as UTC with a "Z", absent facts written as null. Shared by the API and the stored
/// projection so both say the same thing.
/// </summary>
public static class CallJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>The view's metadata, generated at build time: the hot path writes views without reflection.</summary>
    public static JsonTypeInfo<CallView> View { get; } = (JsonTypeInfo<CallView>)Options.GetTypeInfo(typeof(CallView));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.Converters.Add(new JsonStringEnumConverter(ContractWords.NamingPolicy));
        options.Converters.Add(new UtcTimeConverter());
        // Generated metadata first; types outside the contract (the API's own) still resolve as before.
        options.TypeInfoResolver = JsonTypeInfoResolver.Combine(CallJsonContext.Default, options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver());
        return options;
    }

    /// <summary>A time as the contract writes it, "2019-01-24T03:04:24Z", into <paramref name="text"/> (32 characters suffice).</summary>
    public static int FormatTime(DateTimeOffset value, Span<char> text)
    {
        value.UtcDateTime.TryFormat(text, out var written, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
        return written;
    }

    /// <summary>The contract writes "2019-01-24T03:04:24Z", never an offset form.</summary>
    private sealed class UtcTimeConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
        {
            // A view has up to a dozen times: formatted in place rather than as a string each.
            Span<char> text = stackalloc char[32];
            writer.WriteStringValue(text[..FormatTime(value, text)]);
        }
    }
}

/// <summary>
/// Build-time metadata of the contract's types. Naming, enum words and times come from <see cref="CallJson.Options"/>
/// at run time, so these write exactly what the reflection-based serializer wrote.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(CallView))]
[JsonSerializable(typeof(ChangeView))]
internal sealed partial class CallJsonContext : JsonSerializerContext;
