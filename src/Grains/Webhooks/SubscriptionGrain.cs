using System.Buffers;
using System.Text;
using System.Text.Json;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Changes;
using CallGrains.Priority;
using CallGrains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallGrains.Webhooks;

/// <summary>
/// Delivers one subscription. A grain timer drains: it reads matching changes after what it has read (a bounded
/// buffer) and keeps up to <see cref="WebhookOptions.MaxConcurrentSessions"/> sends in flight, each the oldest
/// undelivered change of its session (so a session's later change never leaves before its earlier one was delivered),
/// starting the next one as soon as any finishes (while the host is short of CPU, one at a time: <see cref="ReaderPace"/>);
/// it stores its cursor: the seq below which everything was delivered.
/// A failed attempt holds the whole subscription back for a growing delay; failing for
/// <see cref="WebhookOptions.DisableAfter"/> disables it. The reminder only keeps it alive across restarts.
/// </summary>
public sealed partial class SubscriptionGrain(
    ISubscriptionStore store,
    IChangeFeed feed,
    WebhookSender sender,
    WebhookMetrics metrics,
    SubscriptionNudger nudger,
    DigitMasking masking,
    ReaderPace pace,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<SubscriptionGrain> logger)
    : Grain, ISubscriptionGrain, IRemindable
{
    private const string ReminderName = "deliver";
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);
    // How much a subscription holds in memory ahead of its cursor: enough to keep every send slot busy. A receiver
    // slower than the change rate leaves its backlog in the feed, where it costs no memory, not in this buffer.
    private const int MaxBuffered = 1_000;
    // The feed is read again once the buffer is below this (or at a nudge): reads stay whole pages under a backlog.
    private const int ReadBelow = MaxBuffered / 2;
    // One timer tick drains at most this long, so that calls waiting for the grain get their turn.
    private static readonly TimeSpan TickBudget = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SaveInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan SecretGrace = TimeSpan.FromHours(24);

    // Read and not yet delivered, in seq order; a change in flight stays here until it was delivered.
    private readonly SortedDictionary<long, CallChange> _buffered = [];
    // The one send in flight per session: a session's next change starts only once this one was delivered.
    private readonly Dictionary<string, Sending> _sending = new(StringComparer.Ordinal);
    private readonly Dictionary<long, int> _failedAttempts = [];
    private readonly List<DeliveryAttempt> _unsavedAttempts = [];
    private Subscription? _subscription;
    private long _readUpTo;
    private bool _moreToRead;
    private bool _lastReadEmpty = true;
    private int _failedRounds;
    private DateTimeOffset? _retryAt;
    private DateTimeOffset _lastSave;
    private bool _dirty;
    private bool _draining;
    private bool _wake;
    private TaskCompletionSource _woken = NewWaiter();
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
        nudger.Forget(Id);
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
            WebhookSignature.NewSecret(), null, null, await feed.LastSeqAsync(), null, null, null, request.Tenant, request.MaskPersonalData);
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
        // Sends still in flight from an earlier tick are forgotten: their changes are read and sent again.
        _buffered.Clear();
        _sending.Clear();
        _failedAttempts.Clear();
        _failedRounds = 0;
        _retryAt = null;
        _readUpTo = after;
        _lastReadEmpty = true;
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
        _sending.Clear();
        _timer?.Dispose();
        _timer = null;
        nudger.Forget(Id);
        existed |= await store.DeleteAsync(Id);
        if (await this.GetReminder(ReminderName) is { } reminder) await this.UnregisterReminder(reminder);
        DeactivateOnIdle();
        return existed;
    }

    public Task ForgetSessionsAsync(string[] sessionIds)
    {
        // Interleaved, but it does not await: no enumeration of the buffer in a drain spans this turn.
        var erased = sessionIds.ToHashSet(StringComparer.Ordinal);
        foreach (var change in _buffered.Values.Where(c => erased.Contains(c.SessionId)).ToList())
        {
            _buffered.Remove(change.Seq);
            _failedAttempts.Remove(change.Seq);
        }
        // A send in flight finishes unheard: its result no longer settles anything.
        foreach (var sessionId in erased) _sending.Remove(sessionId);
        return Task.CompletedTask;
    }

    public Task NudgeAsync()
    {
        _wake = true;
        _woken.TrySetResult();
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
        // Every commit of this silo wakes a subscription delivered here at once, from its first moment.
        nudger.Track(Id);
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
        nudger.Forget(Id);
    }

    /// <summary>Delivers until idle, held back, or the tick's budget is spent; returns when to look again.</summary>
    private async Task<TimeSpan> DrainForAWhileAsync()
    {
        var budget = Task.Delay(TickBudget, time);
        // A tick is a wake-up: a nudge, a poll, or the next round after a spent budget.
        _wake = true;
        while (true)
        {
            if (_subscription is not { Status: not SubscriptionStatus.Disabled }) return Timeout.InfiniteTimeSpan;
            if (_retryAt is { } retryAt && retryAt <= time.GetUtcNow()) _retryAt = null;
            if (_retryAt is null)
            {
                if ((_wake || _moreToRead) && _buffered.Count < ReadBelow)
                {
                    _wake = false;
                    await ReadMoreAsync();
                }
                StartSends();
            }
            if (_sending.Count == 0)
            {
                if (_retryAt is { } heldUntil)
                {
                    await SaveIfDueAsync(force: true);
                    return Max(heldUntil - time.GetUtcNow(), TimeSpan.Zero);
                }
                // Not forced: at a high ingest rate every nudge can end here, and a write per nudge would cost more
                // than the deliveries. The cursor is stored within a poll interval of going idle.
                await SaveIfDueAsync(force: false);
                if (_wake) continue;
                return Options.PollInterval;
            }
            if (budget.IsCompleted) return TimeSpan.Zero;
            // Until a send finishes, a nudge says there is more to read, or the tick's time is up.
            if (_woken.Task.IsCompleted) _woken = NewWaiter();
            await Task.WhenAny([.. _sending.Values.Select(s => (Task)s.Result), _woken.Task, budget]);
            await SettleAsync();
            await SaveIfDueAsync(force: false);
            // While the host is short of CPU, ingest has it first: the backlog waits in the feed.
            if (pace.SteppingBack) await Task.Delay(ReaderPace.ShortSendPause, time);
        }
    }

    /// <summary>
    /// Fills the buffer from the feed. A read whose predecessor found nothing reads the feed's end first, so that a
    /// filter that skips most changes still moves its read position past what it skipped.
    /// </summary>
    private async Task ReadMoreAsync()
    {
        while (_buffered.Count < MaxBuffered && _subscription is { } subscription)
        {
            long? end = _lastReadEmpty ? await feed.LastSeqAsync() : null;
            var limit = Math.Min(ChangeQuery.MaxLimit, MaxBuffered - _buffered.Count);
            var page = await feed.ReadAsync(subscription.Query(_readUpTo, limit));
            if (_subscription is null) return;
            foreach (var change in page) _buffered[change.Seq] = change;
            if (page.Count > 0) _readUpTo = page[^1].Seq;
            _lastReadEmpty = page.Count == 0;
            _moreToRead = page.Count == limit;
            if (_moreToRead) continue;
            // Every change up to `end` was readable when the page was read, and a page that is not full holds all
            // the matching ones: what lies between is nothing this subscription is sent.
            if (end is { } readable) _readUpTo = Math.Max(_readUpTo, readable);
            return;
        }
    }

    /// <summary>Starts the oldest undelivered change of each session that has none in flight, oldest first, while slots are free.</summary>
    private void StartSends()
    {
        var slots = pace.Sends(Options.MaxConcurrentSessions);
        if (_subscription is not { } subscription || _sending.Count >= slots) return;
        IReadOnlyList<string>? secrets = null;
        foreach (var change in _buffered.Values)
        {
            // In seq order, a session's first change met is its oldest undelivered one; the rest wait for it.
            if (_sending.ContainsKey(change.SessionId)) continue;
            secrets ??= subscription.SigningSecrets(time.GetUtcNow());
            var (url, signWith) = (subscription.Url, secrets);
            // Off the grain's turn: signing, the HTTP exchange and reading the answer run on the thread pool.
            _sending[change.SessionId] = new Sending(change, Task.Run(() => sender.SendAsync(url, MessageId(change), Body(change), signWith)));
            if (_sending.Count >= slots) return;
        }
    }

    /// <summary>Takes in the sends that finished: delivered changes leave the buffer; a failure holds the subscription back.</summary>
    private async Task SettleAsync()
    {
        List<Sending>? finished = null;
        foreach (var sending in _sending.Values)
            if (sending.Result.IsCompleted) (finished ??= []).Add(sending);
        if (finished is null || _subscription is null) return;

        var now = time.GetUtcNow();
        string? lastError = null;
        DateTimeOffset? lastDelivery = null;
        foreach (var (change, task) in finished)
        {
            _sending.Remove(change.SessionId);
            // The sender answers every outcome with a result; a fault here is a bug, counted as a failed attempt.
            var result = task.IsCompletedSuccessfully ? task.Result : new SendResult(null, TimeSpan.Zero, task.Exception?.GetBaseException().Message);
            var attempt = _failedAttempts.GetValueOrDefault(change.Seq) + 1;
            Remember(new DeliveryAttempt(change.Seq, attempt, now - result.Duration, result.StatusCode, (long)result.Duration.TotalMilliseconds, result.Error));
            metrics.Attempted(result, now - change.At);
            if (result.Delivered)
            {
                _failedAttempts.Remove(change.Seq);
                _buffered.Remove(change.Seq);
                lastDelivery = now;
            }
            else
            {
                _failedAttempts[change.Seq] = attempt;
                lastError = DeliveryErrors.Of(change.Seq, result.Error);
            }
        }

        var current = _subscription;
        if (lastDelivery is not null) current = current with { LastDeliveryAt = lastDelivery };
        if (lastError is null)
        {
            // A success of a send that left before the hold does not lift it: the retry after the delay decides.
            if (_retryAt is null)
            {
                _failedRounds = 0;
                if (current.Status != SubscriptionStatus.Active) current = current with { Status = SubscriptionStatus.Active, FailingSince = null };
            }
            _subscription = current;
            _dirty = true;
            return;
        }

        // Sends that were already in flight when the first one failed count as one failure, not one doubling each.
        if (_retryAt is null) _retryAt = now + Options.RetryDelay(++_failedRounds);
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
            _sending.Clear();
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
        var buffer = new ArrayBufferWriter<byte>(change.ViewJson.Length + 512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", change.Type);
            writer.WritePropertyName("timestamp");
            JsonSerializer.Serialize(writer, change.At, CallJson.Options);
            writer.WritePropertyName("data");
            ChangeView.Write(writer, change, masking.For(personalDataVisible: _subscription?.MaskPersonalData != true));
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static TaskCompletionSource NewWaiter() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>A change on its way to the receiver.</summary>
    private readonly record struct Sending(CallChange Change, Task<SendResult> Result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook subscription {SubscriptionId} could not read or save; retrying")]
    private static partial void LogDrainFailed(ILogger logger, Exception exception, string subscriptionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook subscription {SubscriptionId} disabled: deliveries failing since {FailingSince}")]
    private static partial void LogDisabled(ILogger logger, string subscriptionId, DateTimeOffset failingSince);
}
