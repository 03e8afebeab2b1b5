using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using CallGrains.Api.Hosting;
using CallGrains.Api.Operations;
using CallGrains.Storage;
using CallGrains.Hosting;

namespace CallGrains.Api.Erasure;

/// <summary>Bound from "CallGrains:Erasure".</summary>
public sealed class ErasureOptions
{
    public const string Section = "CallGrains:Erasure";

    /// <summary>
    /// The key of the audit records' subject hash (HMAC-SHA256 of the session id or userData). Whoever holds it can
    /// tell whether a given call was erased; a reader of the audit table alone cannot. Without it, each node hashes
    /// with a random key of its own, and the hash identifies nothing later.
    /// </summary>
    [MinLength(16)]
    public string? AuditKey { get; set; }
}

/// <summary>Writes the audit record of an erasure: no personal data, and never the API key.</summary>
public sealed partial class ErasureAudit(
    IErasureStore store, Microsoft.Extensions.Options.IOptions<ErasureOptions> options,
    [FromKeyedServices(ServiceTime.Key)] TimeProvider clock, ILogger<ErasureAudit> logger)
{
    private readonly byte[] _key = options.Value.AuditKey is { } key ? Encoding.UTF8.GetBytes(key) : RandomNumberGenerator.GetBytes(32);

    public async Task<ErasureRecord> RecordAsync(string kind, string subject, Caller caller, int calls, ErasedRows rows)
    {
        var record = new ErasureRecord(Guid.CreateVersion7(clock.GetUtcNow()), kind, SubjectHash(subject), caller.Who,
            caller.Key?.Tenant?.Name ?? caller.Tenant?.Name, clock.GetUtcNow(), calls, rows);
        await store.RecordAsync(record);
        LogErased(logger, record.Id, kind, calls, rows.Total, record.Who);
        return record;
    }

    /// <summary>Hex HMAC-SHA256 of <paramref name="subject"/> under the audit key.</summary>
    public string SubjectHash(string subject) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(subject)));

    [LoggerMessage(Level = LogLevel.Information, Message = "Erasure {ErasureId}: {Kind}, {Calls} calls, {Rows} rows removed, asked by {Who}")]
    private static partial void LogErased(ILogger logger, Guid erasureId, string kind, int calls, int rows, string who);
}

/// <summary>The answer to an erasure: which audit record it left, what kind of thing went, and how many calls.</summary>
public sealed record ErasureReceipt(Guid ErasureId, string Kind, int Calls);
