using System.ComponentModel.DataAnnotations;

namespace CallGrains.Webhooks;

/// <summary>"CallGrains:Webhooks": how subscriptions are delivered. The defaults are the contract's; tests shorten the times.</summary>
public sealed class WebhookOptions
{
    public const string Section = "CallGrains:Webhooks";

    /// <summary>Lets a subscription target loopback, private, link-local and metadata addresses (a receiver on the same host or network).</summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>The wait before the first retry of a failed delivery; each further retry waits twice as long, up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long deliveries may keep failing, with no success in between, before the subscription is disabled (the contract: at least 24 h).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often an idle subscription looks for changes committed by another process; local commits wake it at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many sessions' changes one subscription has in flight at once (a session's own changes go one after another).
    /// A subscription delivers at most this many changes per receiver round trip, so this bounds its rate.
    /// </summary>
    [Range(1, 256)]
    public int MaxConcurrentSessions { get; set; } = 32;

    /// <summary>The most subscriptions that can exist at once.</summary>
    [Range(1, 10_000)]
    public int MaxSubscriptions { get; set; } = 100;

    /// <summary>One attempt's limit: a receiver that has not answered with a 2xx by then failed this attempt.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How much of a receiver's answer is read: enough for an error text, never a receiver's whole body.</summary>
    public const int MaxResponseBytes = 4096;

    /// <summary>The first retry waits <see cref="FirstRetryDelay"/>, each next one twice as long, never more than <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay(int failedAttempts)
    {
        var doublings = Math.Clamp(failedAttempts - 1, 0, 30);
        var delay = FirstRetryDelay.TotalMilliseconds * Math.Pow(2, doublings);
        return TimeSpan.FromMilliseconds(Math.Min(delay, MaxRetryDelay.TotalMilliseconds));
    }
}
