namespace CallGrains.Api.Tests;

/// <summary>Webhook settings for delivery tests: receivers on loopback, and seconds where the defaults say hours.</summary>
internal static class WebhookTestSettings
{
    public static readonly TimeSpan DisableAfter = TimeSpan.FromSeconds(8);

    public static IEnumerable<string> All =>
    [
        "--CallGrains:Webhooks:AllowPrivateTargets=true",
        "--CallGrains:Webhooks:FirstRetryDelay=00:00:00.200",
        "--CallGrains:Webhooks:MaxRetryDelay=00:00:01",
        $"--CallGrains:Webhooks:DisableAfter={DisableAfter}",
        "--CallGrains:Webhooks:PollInterval=00:00:00.200",
    ];
}

/// <summary>The embedded service with webhooks allowed to reach a receiver on this machine.</summary>
public sealed class WebhookApiFixture : ApiFixture
{
    protected override IEnumerable<string> Settings => [.. base.Settings, .. WebhookTestSettings.All];
}

/// <summary>The PostgreSQL node with the same webhook settings.</summary>
public sealed class WebhookPostgresApiFixture : PostgresApiFixture
{
    protected override IEnumerable<string> Settings => [.. base.Settings, .. WebhookTestSettings.All];
}

[CollectionDefinition(Name)]
public sealed class WebhookApiCollection : ICollectionFixture<WebhookApiFixture>
{
    public const string Name = "api-webhooks";
}

[CollectionDefinition(Name)]
public sealed class WebhookPostgresApiCollection : ICollectionFixture<WebhookPostgresApiFixture>
{
    public const string Name = "api-webhooks-postgres";
}
