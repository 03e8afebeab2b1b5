using System.Diagnostics.Metrics;
using CallGrains.Domain.Pushes;
using CallGrains.Hosting;
using CallGrains.Postgres.Spool;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CallGrains.Postgres.Tests.Spool;

public sealed class SpoolHostingTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "callgrains-spool-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void A_spool_size_out_of_range_fails_at_start_naming_its_key()
    {
        var failure = Assert.Throws<OptionsValidationException>(() =>
            new ServiceCollection().AddCallGrainsSpool(Settings(("CallGrains:Spool:Directory", _directory), ("CallGrains:Spool:MaxBytes", "1000"))));

        Assert.Contains("CallGrains:Spool:MaxBytes", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_directory_the_node_has_no_spool()
    {
        var services = new ServiceCollection();
        services.AddCallGrainsSpool(Settings());

        using var provider = services.BuildServiceProvider();
        Assert.Null(provider.GetService<PushSpool>());
    }

    [Fact]
    public async Task The_spool_reports_its_depth_and_what_it_drained_on_the_CallGrains_meter()
    {
        var services = new ServiceCollection();
        services.AddCallGrainsSpool(Settings(("CallGrains:Spool:Directory", _directory)));
        await using var provider = services.BuildServiceProvider();
        var spool = provider.GetRequiredService<PushSpool>();
        var at = DateTimeOffset.UnixEpoch;
        for (var i = 0; i < 3; i++) await spool.AppendAsync([new PushItem($"s-{i}", "callout", "{}", at)]);
        spool.MarkDrained(spool.Read(2));

        var seen = new Dictionary<string, long>();
        var meters = provider.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener();
        // This provider's meter only (its factory is its scope): spools of other tests in the process report too.
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name.StartsWith("callgrains.spool.", StringComparison.Ordinal))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(1, seen["callgrains.spool.pushes"]);
        Assert.Equal(2, seen["callgrains.spool.drained"]);
        Assert.Equal(0, seen["callgrains.spool.refused"]);
        Assert.Equal(spool.DiskBytes, seen["callgrains.spool.disk"]);
        Assert.True(seen["callgrains.spool.bytes"] > 0);
    }

    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
