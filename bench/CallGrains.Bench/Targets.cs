using System.Globalization;

namespace CallGrains.Bench;

/// <summary>Issue 10's targets, each measured in the same run.</summary>
public enum Target
{
    EmbeddedVsHttpCeiling,
    PostgresVsPgbench,
    PostgresVsPlainReceiver,
    NothingMissing,
    LatencyAtHalf,
    MemoryPerCall,
    TwoNodesVsOne,
}

/// <summary>
/// The summary at the end of a run: every target with its figure, ratio and verdict. A target no step of this run
/// measured (an option skipped it, or the build has no such step) is listed as not measured, never left out.
/// </summary>
public sealed class Targets
{
    private static readonly (Target Target, string Text)[] All =
    [
        (Target.EmbeddedVsHttpCeiling, "embedded ≥ 0.5 × the HTTP ceiling"),
        (Target.PostgresVsPgbench, "PostgreSQL ≥ 1.0 × pgbench's durable single-row upsert"),
        (Target.PostgresVsPlainReceiver, "PostgreSQL ≥ 5 × the plain receiver"),
        (Target.NothingMissing, "no acknowledged push missing in any verified step"),
        (Target.LatencyAtHalf, "p99 acknowledgement ≤ 25 ms at half the maximum rate (from scheduled send)"),
        (Target.MemoryPerCall, "≤ 4 KiB resident per active call"),
        (Target.TwoNodesVsOne, "two co-hosted nodes not slower than one"),
    ];

    private readonly Dictionary<Target, (string Figure, string Ratio, bool Met)> _results = [];
    private readonly List<(string Step, long Missing)> _verified = [];

    public void Record(Target target, string figure, string ratio, bool met) => _results[target] = (figure, ratio, met);

    /// <summary>Records a ratio target: <paramref name="measured"/> ÷ <paramref name="anchor"/> against <paramref name="atLeast"/>.</summary>
    public void RecordRatio(Target target, string figure, double measured, double anchor, double atLeast)
    {
        var ratio = measured / anchor;
        Record(target, figure, ratio.ToString("F2", CultureInfo.InvariantCulture) + " ×", ratio >= atLeast);
    }

    /// <summary>Counts a verified step towards <see cref="Target.NothingMissing"/>.</summary>
    public void Verified(string step, long missing)
    {
        _verified.Add((step, missing));
        var total = _verified.Sum(v => v.Missing);
        var worst = _verified.Where(v => v.Missing > 0).Select(v => $"{v.Step}: {v.Missing}");
        Record(Target.NothingMissing, $"{total} missing over {_verified.Count} verified steps" + (total > 0 ? $" ({string.Join(", ", worst)})" : ""), "", total == 0);
    }

    public void Print()
    {
        Console.WriteLine("| Target (issue 10) | Figure | Ratio | Verdict |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var (target, text) in All)
        {
            Console.WriteLine(_results.TryGetValue(target, out var result)
                ? $"| {text} | {result.Figure} | {result.Ratio} | {(result.Met ? "met" : "NOT met")} |"
                : $"| {text} | not measured in this run | | |");
        }
    }
}
