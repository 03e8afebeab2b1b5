using System.Globalization;
using System.Text.Json;
using CallGrains.Domain.Pushes;

namespace CallGrains.Domain.Calls;

/// <summary>
/// Explains a call: replays its journal as a grain does on activation (merged once per key, items past the limit only
/// cap the view, pending ones wait), renders the view with a trace, and turns each decision the rendering reports into
/// a <see cref="FieldExplanation"/>: the rule it applied, and the items whose readings gave the facts that rule read.
/// The values and rules are the rendering's own, so the explanation cannot disagree with the view; it costs a replay
/// of the journal when asked and nothing in the grain's memory.
/// </summary>
public static class CallExplainer
{
    /// <summary>Items listed in <see cref="CallExplanation.Items"/>; past the default item limit only a flooded session has more.</summary>
    public const int MaxListedItems = 1000;

    /// <summary>Positions listed per field in each of <see cref="FieldExplanation.DecidedBy"/> and <see cref="FieldExplanation.Outranked"/>.</summary>
    public const int MaxListedPositions = 100;

    private const int NamedInSentence = 3;

    /// <summary>One journal entry: the item, whether it was folded (false: past the item limit) and whether it is pending.</summary>
    public sealed record Entry(PushItem Item, bool Folded = true, bool Pending = false);

    /// <param name="updatedAt">The view's time as its grain holds it, when it does: a store may keep arrival times less
    /// precisely (PostgreSQL: microseconds) than the grain that stamped them.</param>
    public static CallExplanation Explain(string sessionId, SessionLimits limits, IReadOnlyList<Entry> entries, DateTimeOffset? updatedAt = null)
    {
        var journal = Replay(sessionId, limits, entries);
        var trace = new Trace();
        var view = CallRendering.Render(journal.Facts, trace) with { UpdatedAt = updatedAt ?? journal.UpdatedAt };
        var lastArrivals = journal.Items.Where(i => i.Treatment != ItemTreatments.Pending && i.ReceivedAt == journal.UpdatedAt).Select(i => i.Position);
        trace.Decided("updatedAt", view.UpdatedAt, Rules.UpdatedAtLastArrival, new Evidence.Positions([.. lastArrivals]));

        var resolver = new Resolver(journal, trace.Decisions);
        var fields = trace.Decisions.OrderBy(d => Array.IndexOf(FieldOrder, TopLevel(d.Path))).ThenBy(d => d.Path != TopLevel(d.Path))
            .Select(resolver.Explain).ToList();
        var listed = journal.Items.Take(MaxListedItems).ToList();
        return new CallExplanation(sessionId, view.Version, view, listed, journal.Items.Count - listed.Count, fields);
    }

    /// <summary>The view's fields in the order its JSON writes them: an explanation reads alongside the view.</summary>
    private static readonly string[] FieldOrder =
    [
        "sessionId", "scenario", "status", "final", "outcome", "legs", "hangup", "digits", "talkSeconds", "billableMinutes",
        "userData", "request", "cdr", "problems", "version", "updatedAt", "caller", "cdrOverdue", "stale", "unverified", "capped",
    ];

    private static string TopLevel(string path) => path.IndexOfAny(['[', '.']) is var end and >= 0 ? path[..end] : path;

    /// <summary>The journal folded as the grain folds it on activation, with what each item did.</summary>
    private static Journal Replay(string sessionId, SessionLimits limits, IReadOnlyList<Entry> entries)
    {
        var facts = CallFacts.Empty(sessionId, limits);
        var items = new List<ExplainedItem>(entries.Count);
        var readings = new Dictionary<int, ItemReading>();
        var positionOfKey = new Dictionary<string, int>(StringComparer.Ordinal);
        DateTimeOffset? updatedAt = null;
        for (var i = 0; i < entries.Count; i++)
        {
            var (item, folded, pending) = entries[i];
            var position = i + 1;
            // Identity as this build reads it from the body, as activation does: not the key an older fold may have stored.
            var reading = ItemReading.Of(item);
            var key = reading.Key;
            string treatment;
            int? duplicateOf = null;
            if (pending)
            {
                treatment = ItemTreatments.Pending;
            }
            else if (!folded)
            {
                facts = CallFold.Surplus(facts);
                treatment = ItemTreatments.PastLimit;
            }
            else if (positionOfKey.TryGetValue(key, out var first))
            {
                (treatment, duplicateOf) = (ItemTreatments.Duplicate, first);
            }
            else
            {
                positionOfKey[key] = position;
                facts = CallFold.Add(facts, reading);
                readings[position] = reading;
                treatment = reading.Quarantined is null ? ItemTreatments.Folded : ItemTreatments.Unverified;
            }
            if (!pending) updatedAt = updatedAt is { } at && at > item.ReceivedAt ? at : item.ReceivedAt;
            items.Add(new ExplainedItem(position, PushFields.Shorten(item.EventType), EventTimeOf(reading), key, item.ReceivedAt, treatment, duplicateOf));
        }
        return new Journal(facts, items, readings, updatedAt);
    }

    private static DateTimeOffset? EventTimeOf(ItemReading reading) =>
        reading.Status?.Timestamp ?? reading.Cdr?.CallEndTime ?? reading.Cdr?.FailTime;

    private sealed record Journal(CallFacts Facts, IReadOnlyList<ExplainedItem> Items, IReadOnlyDictionary<int, ItemReading> Readings, DateTimeOffset? UpdatedAt)
    {
        /// <summary>Merged and believed: the items that can decide anything but the version and <c>unverified</c>.</summary>
        public IEnumerable<(int Position, ItemReading Reading)> Believed =>
            Readings.Where(r => r.Value.Quarantined is null).OrderBy(r => r.Key).Select(r => (r.Key, r.Value));
    }

    private sealed record Decision(string Path, object? Value, Rule Rule, Evidence[] Evidence);

    private sealed class Trace : IRenderingTrace
    {
        public List<Decision> Decisions { get; } = [];

        public void Decided(string path, object? value, Rule rule, params Evidence[] evidence) => Decisions.Add(new(path, value, rule, evidence));
    }

    /// <summary>The positions that decided and were outranked, what each decisive item said (for people), and whether a pick was made.</summary>
    private sealed class Found
    {
        public SortedSet<int> Decided { get; } = [];
        public SortedSet<int> Outranked { get; } = [];
        public Dictionary<int, List<string>> Details { get; } = [];
        public bool Picked { get; init; }

        public static Found Empty(bool picked = false) => new() { Picked = picked };

        public Found With(Found other)
        {
            var both = Empty(Picked || other.Picked);
            foreach (var found in (IEnumerable<Found>)[this, other])
            {
                both.Decided.UnionWith(found.Decided);
                both.Outranked.UnionWith(found.Outranked);
                foreach (var (position, details) in found.Details) both.Detail(position, details);
            }
            return both;
        }

        public void Detail(int position, IEnumerable<string> details)
        {
            if (!Details.TryGetValue(position, out var held)) Details[position] = held = [];
            held.AddRange(details.Where(d => !held.Contains(d)));
        }
    }

    /// <summary>Finds the items behind each decision's evidence: the facts the fold kept, matched to the readings that said them.</summary>
    private sealed class Resolver(Journal journal, IReadOnlyList<Decision> decisions)
    {
        private readonly Dictionary<string, Found> _byPath = [];

        public FieldExplanation Explain(Decision decision)
        {
            var found = Resolve(decision);
            var decided = found.Decided.ToList();
            var outranked = found.Outranked.Where(p => !found.Decided.Contains(p)).ToList();
            var omitted = Math.Max(0, decided.Count - MaxListedPositions) + Math.Max(0, outranked.Count - MaxListedPositions);
            return new FieldExplanation(
                decision.Path,
                JsonSerializer.Serialize(decision.Value, decision.Value?.GetType() ?? typeof(object), CallJson.Options),
                decision.Rule.Id,
                Sentence(decision.Rule, decided, outranked, found),
                [.. decided.Take(MaxListedPositions)],
                [.. outranked.Take(MaxListedPositions)],
                omitted);
        }

        private Found Resolve(Decision decision)
        {
            if (_byPath.TryGetValue(decision.Path, out var known)) return known;
            var found = decision.Evidence.Aggregate(Found.Empty(), (all, evidence) => all.With(Resolve(evidence)));
            return _byPath[decision.Path] = found;
        }

        private Found Resolve(Evidence evidence)
        {
            var facts = journal.Facts;
            switch (evidence)
            {
                case Evidence.Cdr cdr:
                    return Pick(facts.Cdr?.Key, journal.Believed.Where(b => b.Reading.Cdr is not null), CdrDetail(cdr));
                case Evidence.Disconnect:
                    return Pick(facts.Disconnect?.Key, journal.Believed.Where(b => b.Reading.Status?.Type == StatusEventType.Disconnect), null);
                case Evidence.LegEvent leg:
                    var time = facts.Legs.TryGetValue(leg.Number, out var held) ? TimeOf(held, leg.Type) : null;
                    return Split(journal.Believed.Where(b => b.Reading.Status is { } s && s.Type == leg.Type && s.Called == leg.Number),
                        b => time is not null && b.Reading.Status!.Timestamp == time, picked: true);
                case Evidence.StageReached reached:
                    return Split(journal.Believed.Where(b => b.Reading.Status is { } s && Counts(s) && CallFold.StageOf(s) is not null),
                        b => CallFold.StageOf(b.Reading.Status!) == reached.Stage, picked: true, lost: b => CallFold.StageOf(b.Reading.Status!) < reached.Stage);
                case Evidence.CollectInfo collect:
                    var withDigits = facts.Digits.Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
                    return Split(journal.Believed.Where(b => b.Reading.Status?.Type == StatusEventType.CollectInfo
                        && (!collect.WithDigits || withDigits.Contains(b.Reading.Key))), _ => true, picked: false);
                case Evidence.UserData userData:
                    return Split(journal.Believed.Where(b => b.Reading.Cdr is null && b.Reading.UserData is not null),
                        b => b.Reading.UserData == userData.Value, picked: true);
                case Evidence.Caller caller:
                    return Split(journal.Believed.Where(b => b.Reading.Status?.Caller is not null),
                        b => b.Reading.Status!.Caller == caller.Value, picked: true);
                case Evidence.Problem problem:
                    return Split(journal.Readings.OrderBy(r => r.Key).Select(r => (r.Key, r.Value)).Where(r => r.Value.Problems.Contains(problem.Text)),
                        _ => true, picked: false);
                case Evidence.OtherField field:
                    return decisions.FirstOrDefault(d => d.Path == field.Path) is { } other ? Resolve(other) : Found.Empty();
                case Evidence.DialledNumbers:
                    return Split(journal.Believed.Where(b => b.Reading.Status is { Called: { } n } s && Counts(s) && facts.Legs.ContainsKey(n)), _ => true, picked: false);
                case Evidence.NamedNumber named:
                    return Split(journal.Believed.Where(b => b.Reading.Status is { Called: { } n } s && Counts(s) && facts.Legs.ContainsKey(n) && n != named.Besides),
                        b => b.Reading.Status!.Called == named.Dialled, picked: true);
                case Evidence.Merged:
                    return Positions(journal.Readings.Keys);
                case Evidence.Unverified:
                    return Positions(journal.Readings.Where(r => r.Value.Quarantined is not null).Select(r => r.Key));
                case Evidence.PastLimit:
                    return Positions(journal.Items.Where(i => i.Treatment == ItemTreatments.PastLimit).Select(i => i.Position));
                case Evidence.Positions positions:
                    return Positions(positions.Of);
                case Evidence.Overruled overruled:
                    var inner = Resolve(overruled.Inner);
                    var lost = Found.Empty(picked: true);
                    lost.Outranked.UnionWith(inner.Decided.Concat(inner.Outranked));
                    return lost;
                default:
                    throw new InvalidOperationException($"No explanation for the evidence {evidence.GetType().Name}.");
            }
        }

        /// <summary>A status event that names a leg the call kept (a leg cut by the limit decides nothing), or names none.</summary>
        private bool Counts(StatusEvent status) =>
            status.Type == StatusEventType.CollectInfo || status.Called is null || journal.Facts.Legs.ContainsKey(status.Called);

        private static DateTimeOffset? TimeOf(LegFacts leg, StatusEventType type) => type switch
        {
            StatusEventType.Callout => leg.DialedAt,
            StatusEventType.Alerting => leg.RingingAt,
            StatusEventType.Answer => leg.AnsweredAt,
            _ => null,
        };

        /// <summary>The item the fold picked (by key) against the others it was picked from.</summary>
        private Found Pick(string? pickedKey, IEnumerable<(int Position, ItemReading Reading)> candidates, string? detail)
        {
            var found = Split(candidates, b => b.Reading.Key == pickedKey, picked: true);
            if (detail is not null)
                foreach (var position in found.Decided) found.Detail(position, [detail]);
            return found;
        }

        private static Found Split(IEnumerable<(int Position, ItemReading Reading)> candidates, Func<(int Position, ItemReading Reading), bool> decides,
            bool picked, Func<(int Position, ItemReading Reading), bool>? lost = null)
        {
            var found = Found.Empty(picked);
            foreach (var candidate in candidates)
            {
                if (decides(candidate))
                {
                    found.Decided.Add(candidate.Position);
                    if (candidate.Reading.Status?.Timestamp is { } at) found.Detail(candidate.Position, [$"event time {Clock(at)}"]);
                }
                else if (lost is null || lost(candidate))
                {
                    found.Outranked.Add(candidate.Position);
                }
            }
            return found;
        }

        private static Found Positions(IEnumerable<int> positions)
        {
            var found = Found.Empty();
            found.Decided.UnionWith(positions);
            return found;
        }

        private static string CdrDetail(Evidence.Cdr cdr) =>
            cdr.Field is null ? "" : cdr.At is { } at ? $"{cdr.Field} {Clock(at)}" : cdr.Code is { } code ? $"{cdr.Field} {code}" : cdr.Field;

        /// <summary>"rule: the items that decided; outranked: the items that lost" (the last part only where a pick was made).</summary>
        private string Sentence(Rule rule, List<int> decided, List<int> outranked, Found found)
        {
            var sentence = rule.Sentence;
            if (decided.Count > 0) sentence += ": " + Names(decided, found);
            if (found.Picked) sentence += outranked.Count == 0 ? "; outranked nothing" : "; outranked " + Names(outranked, found);
            return sentence;
        }

        private string Names(List<int> positions, Found found)
        {
            var named = positions.Take(NamedInSentence).Select(p => Name(p, found.Decided.Contains(p) ? found.Details.GetValueOrDefault(p) : null));
            var text = string.Join(", ", named);
            return positions.Count > NamedInSentence ? $"{text} and {positions.Count - NamedInSentence} more" : text;
        }

        private string Name(int position, List<string>? details)
        {
            var item = journal.Items[position - 1];
            var what = item.EventType == PushItem.FeeEventType ? "the CDR" : $"the {item.EventType}";
            details = details?.Where(d => d.Length > 0).ToList();
            var said = details is { Count: > 0 } ? $" ({string.Join(", ", details)})"
                : item.EventTime is { } at ? $" (event time {Clock(at)})"
                : "";
            return $"{what} received {Ordinal(position)}{said}";
        }
    }

    private static string Clock(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Ordinal(int n) => (n % 100) switch
    {
        11 or 12 or 13 => $"{n}th",
        _ => (n % 10) switch { 1 => $"{n}st", 2 => $"{n}nd", 3 => $"{n}rd", _ => $"{n}th" },
    };
}
