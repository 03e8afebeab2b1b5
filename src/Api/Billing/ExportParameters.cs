using CallGrains.Api.Calls;

namespace CallGrains.Api.Billing;

/// <summary>The formats an export is written in.</summary>
public enum ExportFormat { Ndjson, Csv }

/// <summary>The query string of GET /v1/calls/export, checked against <see cref="ExportOptions"/>.</summary>
public sealed class ExportParameters
{
    public string? Since { get; init; }
    public string? Until { get; init; }
    public string? Format { get; init; }

    internal string? Error { get; private set; }

    /// <summary>The period [since, until) and the format, or null with <see cref="Error"/> saying what is wrong.</summary>
    internal (DateTimeOffset Since, DateTimeOffset Until, ExportFormat Format)? Check(int maxDays)
    {
        if (string.IsNullOrEmpty(Since) || string.IsNullOrEmpty(Until))
            return Fail("since and until are required: the export covers the calls first heard of from since (inclusive) to until (exclusive).");
        if (!CallListParameters.TryTime(Since, out var since)) return Fail($"since '{Since}' is not an ISO 8601 time.");
        if (!CallListParameters.TryTime(Until, out var until)) return Fail($"until '{Until}' is not an ISO 8601 time.");
        if (until <= since) return Fail("until must be later than since.");
        if (until - since > TimeSpan.FromDays(maxDays)) return Fail($"The period is longer than {maxDays} days; export it in parts.");
        ExportFormat? format = Format switch
        {
            null or "" or "ndjson" => ExportFormat.Ndjson,
            "csv" => ExportFormat.Csv,
            _ => null,
        };
        if (format is null) return Fail($"format '{Format}' is not one of ndjson, csv.");
        return (since!.Value, until!.Value, format.Value);
    }

    private (DateTimeOffset, DateTimeOffset, ExportFormat)? Fail(string error)
    {
        Error = error;
        return null;
    }
}
