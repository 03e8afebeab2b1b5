using System.Text;
using System.Text.Json;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Changes;
using CallGrains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallGrains.Webhooks;

/// <summary>
/// Delivers one subscription. A grain timer drains: it reads matching changes after what it has read (a bounded
/// buffer), sends the oldest undelivered change of up to <see cref="WebhookOptions.MaxConcurrentSessions"/> sessions at
/// once (so a session's later change never leaves before its earlier one was delivered), and stores its cursor: the
/// seq below which everything was delivered. A failed attempt holds the whole subscription back for a growing delay;
/// failing for <see cref="WebhookOptions.DisableAfter"/> disables it. The reminder only keeps it alive across restarts.
/// </summary>
public sealed partial class SubscriptionGrain(
    ISubscriptionStore store,
    IChangeFeed feed,
    WebhookSender sender,
    WebhookMetrics metrics,
    DigitMasking masking,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<SubscriptionGrain> logger)
    : Grain, ISubscriptionGrain, IRemindable
{
    private const string ReminderName = "deliver";
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);
    // How much a subscription holds in memory ahead of its cursor.
    private const int MaxBuffered = 2_000;
    // One timer tick drains at most this long, so that calls waiting for the grain get their turn.
    private static readonly TimeSpan TickBudget = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SaveInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan SecretGrace = TimeSpan.FromHours(24);

    private readonly SortedDictionary<long, CallChange> _buffered = [];
    private readonly Dictionary<string, Queue<CallChange>> _bySession = new(StringComparer.Ordinal);
    private readonly Dictionary<long, int> _failedAttempts = [];
    private readonly List<DeliveryAttempt> _unsavedAttempts = [];
    private Subscription? _subscription;
    private long _readUpTo;
    private int _failedRounds;
    private DateTimeOffset? _retryAt;
    private DateTimeOffset _lastSave;
    private bool _dirty;
    private bool _draining;
    private bool _wake;
    private IGrainTimer? _timer;

    private WebhookOptions Options => options.Value;
    private string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _subscription = await store.GetAsync(Id, cancellationToken);
        if (_subscription is { Status: not SubscriptionStatus.Disabled } subscription)
        {
            _readUpTo = subscription.Cursor;
            // After a restart a failing receiver is tried again at once; the failing-since time still counts toward disabling.
            StartDraining();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        try
        {
            await SaveIfDueAsync(force: true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Unsaved progress only means that some changes are sent again by the next activation.
            LogDrainFailed(logger, ex, Id);
        }
    }

    public async Task<Subscription?> CreateAsync(SubscriptionRequest request)
    {
        if (_subscription is not null) throw new InvalidOperationException($"Subscription {Id} exists already.");
        var subscription = new Subscription(Id, request.Url, request.Types, request.UserDataPrefix, time.GetUtcNow(), SubscriptionStatus.Active,
            WebhookSignature.NewSecret(), null, null, await feed.LastSeqAsync(), null, null, null, request.Tenant);
        if (!await store.CreateAsync(subscription, Options.MaxSubscriptions)) return null;
        _subscription = subscription;
        _readUpTo = subscription.Cursor;
        await this.RegisterOrUpdateReminder(ReminderName, ReminderPeriod, ReminderPeriod);
        StartDraining();
        return subscription;
    }

    public async Task<string?> RotateSecretAsync()
    {
        if (_subscription is not { } subscription) return null;
        var rotated = subscription with
        {
            Secret = WebhookSignature.NewSecret(),
            PreviousSecret = subscription.Secret,
            PreviousSecretUntil = time.GetUtcNow() + SecretGrace,
        };
        await SaveAsync(rotated);
        return rotated.Secret;
    }

    public async Task<bool> ReplayAsync(long after)
    {
        if (_subscription is not { } subscription) return false;
        _buffered.Clear();
        _bySession.Clear();
        _failedAttempts.Clear();
        _failedRounds = 0;
        _retryAt = null;
        _readUpTo = after;
        await SaveAsync(subscription with { Cursor = after, Status = SubscriptionStatus.Active, FailingSince = null });
        await this.RegisterOrUpdateReminder(ReminderName, ReminderPeriod, ReminderPeriod);
        StartDraining();
        return true;
    }

    public async Task<bool> DeleteAsync()
    {
        // Set before the first await: a drain that resumes after this point starts no further delivery.
        var existed = _subscription is not null;
        _subscription = null;
        _timer?.Dispose();
        _timer = null;
        existed |= await store.DeleteAsync(Id);
        if (await this.GetReminder(ReminderName) is { } reminder) await this.UnregisterReminder(reminder);
        DeactivateOnIdle();
        return existed;
    }

    public Task NudgeAsync()
    {
        _wake = true;
        if (!_draining && _subscription is { Status: not SubscriptionStatus.Disabled } && _retryAt is null) _timer?.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Activation already started the timer; a reminder for a subscription that is gone or disabled removes itself.
        if (_subscription is { Status: not SubscriptionStatus.Disabled }) return;
        if (await this.GetReminder(reminderName) is { } reminder) await this.UnregisterReminder(reminder);
    }

    private void StartDraining()
    {
        _timer ??= this.RegisterGrainTimer(DrainAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = Timeout.InfiniteTimeSpan,
            Interleave = false,
            KeepAlive = true,
        });
        _timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        TimeSpan next;
        try
        {
            next = await DrainForAWhileAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The store or the feed failed: keep everything as it is and look again shortly.
            LogDrainFailed(logger, ex, Id);
            next = Options.PollInterval;
        }
        finally
        {
            _draining = false;
        }
        if (_subscription is { Status: not SubscriptionStatus.Disabled })
        {
            _timer?.Change(next, Timeout.InfiniteTimeSpan);
            return;
        }
        // Deleted or disabled: nothing keeps the activation any more.
        _timer?.Dispose();
        _timer = null;
    }

    /// <summary>Delivers until idle, held back, or the tick's budget is spent; returns when to look again.</summary>
    private async Task<TimeSpan> DrainForAWhileAsync()
    {
        var until = time.GetUtcNow() + TickBudget;
        while (true)
        {
            if (_subscription is not { Status: not SubscriptionStatus.Disabled }) return Timeout.InfiniteTimeSpan;
            var now = time.GetUtcNow();
            if (_retryAt is { } retryAt && retryAt > now)
            {
                await SaveIfDueAsync(force: true);
                return retryAt - now;
            }
            _retryAt = null;
            _wake = false;
            await ReadMoreAsync();
            if (_buffered.Count == 0)
            {
                // Not forced: at a high ingest rate every nudge ends here, and a write per nudge would cost more than
                // the deliveries. The cursor is stored within a poll interval of going idle.
                await SaveIfDueAsync(force: false);
                if (_wake) continue;
                return Options.PollInterval;
            }
            await SendRoundAsync();
            await SaveIfDueAsync(force: false);
            if (time.GetUtcNow() >= until) return TimeSpan.Zero;
        }
    }

    /// <summary>Fills the buffer from the feed. The feed's end is read first, so a filter that skips most changes still moves on.</summary>
    private async Task ReadMoreAsync()
    {
        while (_buffered.Count < MaxBuffered && _subscription is { } subscription)
        {
            var end = await feed.LastSeqAsync();
            var page = await feed.ReadAsync(subscription.Query(_readUpTo));
            if (_subscription is null) return;
            foreach (var change in page)
            {
                _buffered[change.Seq] = change;
                if (!_bySession.TryGetValue(change.SessionId, out var queue)) _bySession[change.SessionId] = queue = new();
                queue.Enqueue(change);
            }
            if (page.Count > 0) _readUpTo = page[^1].Seq;
            if (page.Count == ChangeQuery.MaxLimit) continue;
            // Every change up to `end` was readable when the page was read, and a page that is not full holds all
            // the matching ones: what lies between is nothing this subscription is sent.
            _readUpTo = Math.Max(_readUpTo, end);
            return;
        }
    }

    /// <summary>Sends the oldest undelivered change of each of the sessions first in line, in parallel.</summary>
    private async Task SendRoundAsync()
    {
        var subscription = _subscription!;
        var heads = _bySession.Values.Select(q => q.Peek()).OrderBy(c => c.Seq).Take(Options.MaxConcurrentSessions).ToList();
        var secrets = subscription.SigningSecrets(time.GetUtcNow());
        var results = await Task.WhenAll(heads.Select(change => sender.SendAsync(subscription.Url, MessageId(change), Body(change), secrets)));
        if (_subscription is null) return;

        var now = time.GetUtcNow();
        string? lastError = null;
        DateTimeOffset? lastDelivery = null;
        for (var i = 0; i < heads.Count; i++)
        {
            var (change, result) = (heads[i], results[i]);
            var attempt = _failedAttempts.GetValueOrDefault(change.Seq) + 1;
            Remember(new DeliveryAttempt(change.Seq, attempt, now - result.Duration, result.StatusCode, (long)result.Duration.TotalMilliseconds, result.Error));
            metrics.Attempted(result, now - change.At);
            if (result.Delivered)
            {
                _failedAttempts.Remove(change.Seq);
                _buffered.Remove(change.Seq);
                var queue = _bySession[change.SessionId];
                queue.Dequeue();
                if (queue.Count == 0) _bySession.Remove(change.SessionId);
                lastDelivery = now;
            }
            else
            {
                _failedAttempts[change.Seq] = attempt;
                lastError = $"seq {change.Seq}: {result.Error}";
            }
        }

        var current = _subscription;
        if (lastDelivery is not null) current = current with { LastDeliveryAt = lastDelivery };
        if (lastError is null)
        {
            _failedRounds = 0;
            _subscription = current.Status == SubscriptionStatus.Active ? current : current with { Status = SubscriptionStatus.Active, FailingSince = null };
            _dirty = true;
            return;
        }

        _failedRounds++;
        _retryAt = now + Options.RetryDelay(_failedRounds);
        var failingSince = current.FailingSince ?? now;
        var disabled = now - failingSince >= Options.DisableAfter;
        _subscription = current with
        {
            Status = disabled ? SubscriptionStatus.Disabled : SubscriptionStatus.Failing,
            FailingSince = failingSince,
            LastError = lastError,
        };
        _dirty = true;
        if (disabled)
        {
            LogDisabled(logger, Id, failingSince);
            await SaveIfDueAsync(force: true);
            if (await this.GetReminder(ReminderName) is { } reminder) await this.UnregisterReminder(reminder);
        }
        else if (current.Status != SubscriptionStatus.Failing)
        {
            await SaveIfDueAsync(force: true);
        }
    }

    private void Remember(DeliveryAttempt attempt)
    {
        _unsavedAttempts.Add(attempt);
        if (_unsavedAttempts.Count > ISubscriptionStore.KeptDeliveries) _unsavedAttempts.RemoveAt(0);
    }

    /// <summary>
    /// Stores the cursor (everything below the oldest buffered change was delivered), the status and the new attempts:
    /// at once when <paramref name="force"/>, else at most every <see cref="SaveInterval"/>. A crash in between only
    /// means some changes are sent again.
    /// </summary>
    private async Task SaveIfDueAsync(bool force)
    {
        if (_subscription is not { } subscription) return;
        var cursor = _buffered.Count > 0 ? _buffered.First().Key - 1 : _readUpTo;
        if (cursor != subscription.Cursor) (_subscription, _dirty) = (subscription with { Cursor = cursor }, true);
        if (!_dirty && _unsavedAttempts.Count == 0) return;
        if (!force && time.GetUtcNow() - _lastSave < SaveInterval) return;
        await SaveAsync(_subscription);
    }

    private async Task SaveAsync(Subscription subscription)
    {
        var attempts = _unsavedAttempts.ToArray();
        await store.SaveAsync(subscription, attempts);
        if (_subscription is null) return;
        _subscription = subscription;
        _unsavedAttempts.RemoveRange(0, Math.Min(attempts.Length, _unsavedAttempts.Count));
        _dirty = false;
        _lastSave = time.GetUtcNow();
    }

    /// <summary>The same id for every attempt of one change, so a receiver can drop a repeat.</summary>
    private static string MessageId(CallChange change) => $"chg_{change.Seq}";

    /// <summary>The contract's envelope around the change, written by the same code as <c>GET /v1/changes</c>.</summary>
    private string Body(CallChange change)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", change.Type);
            writer.WritePropertyName("timestamp");
            writer.WriteRawValue(JsonSerializer.Serialize(change.At, CallJson.Options));
            writer.WritePropertyName("data");
            writer.WriteRawValue(ChangeView.Json(change, masking));
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook subscription {SubscriptionId} could not read or save; retrying")]
    private static partial void LogDrainFailed(ILogger logger, Exception exception, string subscriptionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook subscription {SubscriptionId} disabled: deliveries failing since {FailingSince}")]
    private static partial void LogDisabled(ILogger logger, string subscriptionId, DateTimeOffset failingSince);
}
