using System.Globalization;
using System.Threading.RateLimiting;
using CallGrains.Api.Hosting;
using CallGrains.Api.Operations;
using CallGrains.Domain.Calls;
using CallGrains.Hosting;
using CallGrains.Operability.Access;
using CallGrains.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CallGrains.Api.Billing;

/// <summary>
/// <c>GET /v1/calls/export</c>: a period's final calls with their CDR figures and request, then the billable minutes per
/// business id, streamed as the store's pages are read. The literal segment outranks <c>/v1/calls/{sessionId}</c> in
/// routing, so a call whose session id is "export" is reached through lists (and its <c>/events</c>) only.
/// </summary>
public static partial class ExportEndpoints
{
    public const string Path = "/v1/calls/export";

    /// <summary>Seconds a client refused for too many exports at once is asked to wait.</summary>
    private const int RetryAfterSeconds = 30;

    public static WebApplicationBuilder AddCallGrainsExport(this WebApplicationBuilder builder)
    {
        var options = builder.Services.AddValidatedOptions<ExportOptions>(builder.Configuration, ExportOptions.Section);
        builder.Services.AddSingleton(new ExportGate(options.MaxConcurrent));
        return builder;
    }

    /// <summary>
    /// Behind the key filter but not the request deadline: an export runs under its own, longer limit
    /// (<see cref="ExportOptions.TimeLimitSeconds"/>), and a deadline answered with 503 is impossible once rows went out.
    /// </summary>
    public static WebApplication MapExportEndpoints(this WebApplication app)
    {
        app.MapGet(Path, ExportAsync).WithTags("Calls").WithName("ExportCalls")
            .AddEndpointFilter<ApiKeyFilter>().RequireScope(Scopes.BillingRead)
            .Produces(StatusCodes.Status200OK, contentType: "application/x-ndjson", additionalContentTypes: ["text/csv"]);
        return app;
    }

    public static async Task<Results<EmptyHttpResult, ProblemHttpResult>> ExportAsync(
        [AsParameters] ExportParameters parameters, HttpContext http, ICallExport store, ExportGate gate, DigitMasking masking,
        IOptionsMonitor<ExportOptions> options, [FromKeyedServices(ServiceTime.Key)] TimeProvider clock, ILoggerFactory logs)
    {
        var limits = options.CurrentValue;
        if (parameters.Check(limits.MaxDays) is not { } checkedParameters) return Problems.BadRequest(parameters.Error!);
        var (since, until, format) = checkedParameters;
        using var lease = gate.TryEnter();
        if (lease is null)
        {
            http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return Problems.TooManyRequests($"{limits.MaxConcurrent} exports are running on this node already; retry after the time in Retry-After.");
        }

        var query = new ExportQuery(since, until, clock.GetUtcNow(), Caller.Of(http).Tenant);
        var timeLimit = TimeSpan.FromSeconds(limits.TimeLimitSeconds);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        deadline.CancelAfter(timeLimit);
        var export = new Export(http, store, query, format, masking.MaskingFor(http), limits.PageSize, deadline.Token);
        try
        {
            // The first page is read before anything is sent, so that a store that is away is a 503 problem, not a broken download.
            await export.StartAsync();
        }
        catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
        {
            throw new RequestDeadlineException(timeLimit);
        }
        try
        {
            await export.RunAsync();
        }
        catch (Exception ex) when (ex is StoreUnavailableException or OperationCanceledException)
        {
            // Rows went out already: breaking the transfer off is the only way left to say the export is incomplete (the
            // client sees no "end" record and an unterminated response), never a clean end of a short export.
            if (!http.RequestAborted.IsCancellationRequested) LogBrokenOff(logs.CreateLogger(typeof(ExportEndpoints)), since, until, export.Calls, ex.Message);
            http.Abort();
        }
        return TypedResults.Empty;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The billing export of {Since} to {Until} was broken off after {Calls} calls: {Reason}")]
    private static partial void LogBrokenOff(ILogger logger, DateTimeOffset since, DateTimeOffset until, long calls, string reason);

    /// <summary>One export as it runs: pages of calls, then the totals, then the end record.</summary>
    private sealed class Export(
        HttpContext http, ICallExport store, ExportQuery query, ExportFormat format, PersonalDataMasking masking, int pageSize,
        CancellationToken cancellationToken)
    {
        private readonly ExportWriter _writer = ExportWriter.For(format, http.Response.BodyWriter);
        private IReadOnlyList<ExportedCall> _page = [];
        private long _talkSeconds;
        private long _billableMinutes;

        public long Calls { get; private set; }

        public async Task StartAsync()
        {
            _page = await store.ReadExportAsync(query, after: null, pageSize, cancellationToken);
            var response = http.Response;
            response.ContentType = _writer.ContentType;
            response.Headers.CacheControl = "no-store";
            response.Headers.XContentTypeOptions = "nosniff";
            response.Headers.ContentDisposition =
                $"attachment; filename=\"calls-{query.Since:yyyyMMdd'T'HHmmss'Z'}-{query.Until:yyyyMMdd'T'HHmmss'Z'}.{_writer.Extension}\"";
        }

        public async Task RunAsync()
        {
            _writer.Begin();
            while (true)
            {
                foreach (var call in _page)
                {
                    var view = masking.Mask(call.ViewJson.Read());
                    _writer.Write(BillingRecords.Call, (call, view));
                    Calls++;
                    _talkSeconds += BillingRecords.TalkSeconds(view);
                    _billableMinutes += BillingRecords.BillableMinutes(view);
                }
                await FlushAsync();
                if (_page.Count < pageSize) break;
                _page = await store.ReadExportAsync(query, ExportCursor.After(_page[^1]), pageSize, cancellationToken);
            }
            var written = 0;
            await foreach (var total in store.ReadTotalsAsync(query, cancellationToken))
            {
                _writer.Write(BillingRecords.Total, total);
                if (++written % pageSize == 0) await FlushAsync();
            }
            _writer.Write(BillingRecords.End, new BillingTotal(null, Calls, _talkSeconds, _billableMinutes));
            await FlushAsync();
        }

        /// <summary>
        /// Sends what was written, waiting while the client has not taken what went before: a slow reader slows the
        /// export down, it never fills memory.
        /// </summary>
        private async Task FlushAsync()
        {
            if ((await http.Response.BodyWriter.FlushAsync(cancellationToken)).IsCompleted)
                throw new OperationCanceledException("The client stopped reading.");
        }
    }
}

/// <summary>How many exports may run at once on this node (<see cref="ExportOptions.MaxConcurrent"/>); no queue.</summary>
public sealed class ExportGate(int maxConcurrent)
{
    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions { PermitLimit = maxConcurrent, QueueLimit = 0 });

    /// <summary>A lease to dispose when the export ends, or null when as many are running as allowed.</summary>
    public RateLimitLease? TryEnter()
    {
        var lease = _limiter.AttemptAcquire();
        if (lease.IsAcquired) return lease;
        lease.Dispose();
        return null;
    }
}
