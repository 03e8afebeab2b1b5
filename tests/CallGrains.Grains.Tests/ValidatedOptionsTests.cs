using CallGrains.Hosting;
using CallGrains.Requests;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CallGrains.Grains.Tests;

public sealed class ValidatedOptionsTests
{
    [Fact]
    public void Without_a_section_the_defaults_are_what_both_the_returned_instance_and_the_registered_options_hold()
    {
        var services = new ServiceCollection();

        var cluster = services.AddValidatedOptions<ClusterSettings>(new ConfigurationBuilder().Build(), ClusterSettings.Section);

        using var provider = services.BuildServiceProvider();
        var registered = provider.GetRequiredService<IOptions<ClusterSettings>>().Value;
        Assert.Equal(new ClusterSettings().SiloPort, cluster.SiloPort);
        Assert.Equal(cluster.SiloPort, registered.SiloPort);
        Assert.Equal(cluster.ResponseTimeoutSeconds, registered.ResponseTimeoutSeconds);
    }

    [Fact]
    public void A_value_that_goes_out_of_range_on_reload_is_refused_and_names_the_key()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["CallGrains:Limits:MaxCallsPerUserData"] = "10" })
            .Build();
        var services = new ServiceCollection();
        services.AddValidatedOptions<RequestLimits>(configuration, RequestLimits.Section);
        using var provider = services.BuildServiceProvider();
        var monitor = provider.GetRequiredService<IOptionsMonitor<RequestLimits>>();
        Assert.Equal(10, monitor.CurrentValue.MaxCallsPerUserData);

        configuration.Providers.Single().Set("CallGrains:Limits:MaxCallsPerUserData", "0");

        // The monitor rebinds as soon as the configuration changes, so the reload itself reports the bad value.
        var reload = Assert.Throws<AggregateException>(configuration.Reload);
        var error = Assert.IsType<OptionsValidationException>(Assert.Single(reload.InnerExceptions));
        Assert.Contains("CallGrains:Limits:MaxCallsPerUserData", error.Message, StringComparison.Ordinal);
        Assert.Throws<OptionsValidationException>(() => monitor.CurrentValue);
    }
}
