using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;
using CallGrains.Hosting;
using CallGrains.Postgres.Storage;
using CallGrains.Storage;
using CallGrains.Storage.InMemory;
using CallGrains.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CallGrains.Api.Tests;

/// <summary>
/// GET /v1/calls/export on both stores: the known samples in both formats, the totals per business id, a period's
/// bounds, who may export what, the route beside /v1/calls/{sessionId}, and 100,000 calls streamed in pages without
/// the server holding them.
/// </summary>
public abstract class ExportContract(ApiFixture api, IExportStore store)
{
    public static IEnumerable<string> Settings =>
    [
        .. TenantIsolationContract.TenantSettings,
        // One export at a time, so that a second is refused while the first is held open.
        "--CallGrains:Export:MaxConcurrent=1",
    ];

    [Fact]
    public async Task Final_calls_are_exported_oldest_first_with_their_cdr_figures_and_request_as_ndjson()
    {
        var (since, calls) = await PushSamplesAsync();
        var lines = await ExportNdjsonAsync(api.Client, since, Until());

        var exported = lines.Where(l => Record(l) == "call").ToList();
        Assert.Equal(calls.Select(c => c.SessionId), exported.Select(l => l.GetProperty("sessionId").GetString()));
        var callback = exported[0];
        Assert.Equal(calls[0].UserData, callback.GetProperty("userData").GetString());
        Assert.Equal("taxi-order", callback.GetProperty("kind").GetString());
        Assert.Equal(BusinessIdOf(calls[0]), callback.GetProperty("businessId").GetString());
        Assert.Equal("d-9", callback.GetProperty("attributes").GetProperty("driver").GetString());
        Assert.Equal("callback", callback.GetProperty("scenario").GetString());
        Assert.Equal("answered", callback.GetProperty("outcome").GetString());
        Assert.Equal("002", callback.GetProperty("serviceType").GetString());
        Assert.Equal("CAE-20190124110424-12019775", callback.GetProperty("icid").GetString());
        Assert.Equal("2019-01-24T03:04:38Z", callback.GetProperty("fwdAnswerTime").GetString());
        Assert.Equal("2019-01-24T03:04:49Z", callback.GetProperty("callEndTime").GetString());
        Assert.Equal(11, callback.GetProperty("talkSeconds").GetInt32());
        Assert.Equal(1, callback.GetProperty("billableMinutes").GetInt32());

        var notification = exported[1];
        Assert.Equal("notification", notification.GetProperty("scenario").GetString());
        Assert.Equal(JsonValueKind.Null, notification.GetProperty("businessId").ValueKind);
        Assert.Equal(JsonValueKind.Null, notification.GetProperty("attributes").ValueKind);
        Assert.Equal(24, notification.GetProperty("talkSeconds").GetInt32());
        Assert.Equal(1, notification.GetProperty("ttsTransDuration").GetInt32());
        Assert.Equal(18, exported[2].GetProperty("talkSeconds").GetInt32());

        var end = lines[^1];
        Assert.Equal("end", Record(end));
        Assert.Equal(3, end.GetProperty("calls").GetInt64());
        Assert.Equal(11 + 24 + 18, end.GetProperty("talkSeconds").GetInt64());
        Assert.Equal(3, end.GetProperty("billableMinutes").GetInt64());
    }

    [Fact]
    public async Task The_csv_has_a_header_one_row_per_call_and_the_same_figures_as_the_ndjson()
    {
        var (since, calls) = await PushSamplesAsync();
        var until = Until();

        using var response = await api.Client.GetAsync(ExportPath(since, until, "csv"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var rows = Csv.Parse(text);
        var json = await ExportNdjsonAsync(api.Client, since, until);

        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
        var header = rows[0];
        Assert.Equal("record", header[0]);
        Assert.All(rows, r => Assert.Equal(header.Count, r.Count));
        var callRows = rows.Skip(1).Where(r => r[0] == "call").ToList();
        Assert.Equal(calls.Select(c => c.SessionId), callRows.Select(r => r[header.IndexOf("sessionId")]));
        // Every column of a call row says what the NDJSON line's member of the same name says.
        foreach (var (row, line) in callRows.Zip(json.Where(l => Record(l) == "call")))
        {
            for (var i = 0; i < header.Count; i++)
            {
                var member = line.GetProperty(header[i]);
                var expected = member.ValueKind switch
                {
                    JsonValueKind.Null => "",
                    JsonValueKind.String => member.GetString(),
                    _ => member.GetRawText(),
                };
                Assert.Equal(expected, row[i]);
            }
        }
    }

    [Fact]
    public async Task Csv_fields_with_commas_and_quotes_are_quoted_as_rfc_4180_says()
    {
        var since = api.Clock.GetUtcNow();
        var call = await api.PushAllAsync(SampleCall.Load("verification-code", userData: $"taxi-quoted-{Guid.NewGuid():N}"));
        await RegisterAsync(call.UserData, "ride, \"premium\"", new() { ["note"] = "line \"two\", three" });

        var text = await api.Client.GetStringAsync(ExportPath(since, Until(), "csv"));
        var rows = Csv.Parse(text);

        var row = Assert.Single(rows, r => r[0] == "call");
        Assert.Equal("ride, \"premium\"", row[rows[0].IndexOf("businessId")]);
        var attributes = JsonDocument.Parse(row[rows[0].IndexOf("attributes")]).RootElement;
        Assert.Equal("line \"two\", three", attributes.GetProperty("note").GetString());
        Assert.Contains("\"ride, \"\"premium\"\"\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_csv_ends_with_the_billable_minutes_of_each_business_id()
    {
        var since = api.Clock.GetUtcNow();
        var businessId = $"order-{Guid.NewGuid():N}";
        var first = await api.PushAllAsync(SampleCall.Load("callback-connected", userData: $"taxi-a-{Guid.NewGuid():N}"));
        var second = await api.PushAllAsync(SampleCall.Load("notification-collect", userData: $"taxi-b-{Guid.NewGuid():N}"));
        var other = await api.PushAllAsync(SampleCall.Load("verification-code", userData: $"courier-{Guid.NewGuid():N}"));
        await api.PushAllAsync(SampleCall.Load("verification-code", userData: $"parcel-unregistered-{Guid.NewGuid():N}"));
        await RegisterAsync(first.UserData, businessId);
        await RegisterAsync(second.UserData, businessId);
        await RegisterAsync(other.UserData, "z-" + businessId);

        var rows = Csv.Parse(await api.Client.GetStringAsync(ExportPath(since, Until(), "csv")));
        var header = rows[0];
        string Cell(IReadOnlyList<string> row, string column) => row[header.IndexOf(column)];

        var totals = rows.Where(r => r[0] == "total").Select(r => (Cell(r, "businessId"), Cell(r, "calls"), Cell(r, "talkSeconds"), Cell(r, "billableMinutes"))).ToList();
        Assert.Equal([("", "1", "18", "1"), (businessId, "2", "35", "2"), ("z-" + businessId, "1", "18", "1")], totals);
        var end = rows[^1];
        Assert.Equal("end", end[0]);
        Assert.Equal(("4", "71", "4"), (Cell(end, "calls"), Cell(end, "talkSeconds"), Cell(end, "billableMinutes")));
        Assert.Equal(4, rows.Count(r => r[0] == "call"));
        Assert.True(rows.FindIndex(r => r[0] == "total") > rows.FindLastIndex(r => r[0] == "call"), "totals come after the calls");
    }

    [Fact]
    public async Task A_period_holds_the_final_calls_first_heard_of_from_since_inclusive_to_until_exclusive()
    {
        var since = api.Clock.GetUtcNow();
        var final = await api.PushAllAsync(SampleCall.Load("verification-code", userData: $"taxi-{Guid.NewGuid():N}"));
        var unfinished = SampleCall.Load("callback-connected", userData: $"taxi-{Guid.NewGuid():N}");
        await api.PushAllAsync(unfinished.Pushes.Where(p => !p.Contains("\"feeLst\"", StringComparison.Ordinal)));
        var until = Until();

        var all = await ExportNdjsonAsync(api.Client, since, until);
        var call = Assert.Single(all, l => Record(l) == "call");
        var firstHeard = call.GetProperty("firstReceivedAt").GetDateTimeOffset();
        var fromIt = await ExportNdjsonAsync(api.Client, firstHeard, firstHeard.AddTicks(10));
        var untilIt = await ExportNdjsonAsync(api.Client, firstHeard.AddHours(-1), firstHeard);

        Assert.Equal(final.SessionId, call.GetProperty("sessionId").GetString());
        Assert.Equal(final.SessionId, Assert.Single(fromIt, l => Record(l) == "call").GetProperty("sessionId").GetString());
        Assert.DoesNotContain(untilIt, l => Record(l) == "call" && l.GetProperty("sessionId").GetString() == final.SessionId);
        Assert.Equal("end", Record(untilIt[^1]));
    }

    [Theory]
    [InlineData("until=2026-01-02T00:00:00Z", "since and until are required")]
    [InlineData("since=2026-01-01T00:00:00Z", "since and until are required")]
    [InlineData("since=yesterday&until=2026-01-02T00:00:00Z", "since 'yesterday'")]
    [InlineData("since=2026-01-02T00:00:00Z&until=2026-01-02T00:00:00Z", "until must be later than since")]
    [InlineData("since=2026-01-01T00:00:00Z&until=2026-02-01T00:00:01Z", "longer than 31 days")]
    [InlineData("since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z&format=xml", "format 'xml'")]
    public async Task An_export_without_a_bounded_period_or_with_an_unknown_format_is_a_400(string query, string detail)
    {
        using var response = await api.Client.GetAsync("/v1/calls/export?" + query);

        Assert.Contains(detail, await ProblemResponse.AssertAsync(response, HttpStatusCode.BadRequest), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_month_of_31_days_is_accepted()
    {
        using var response = await api.Client.GetAsync("/v1/calls/export?since=2026-01-01T00:00:00Z&until=2026-02-01T00:00:00Z");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task An_export_needs_a_key_with_the_billing_scope_and_shows_a_tenant_only_its_own_calls()
    {
        var since = api.Clock.GetUtcNow();
        var taxi = await api.PushAllAsync(SampleCall.Load("verification-code", userData: $"taxi-{Guid.NewGuid():N}"));
        var courier = await api.PushAllAsync(SampleCall.Load("verification-code", userData: $"courier-{Guid.NewGuid():N}"));
        await RegisterAsync(courier.UserData, $"courier-order-{Guid.NewGuid():N}");
        var until = Until();
        using var taxiClient = ClientWith(TenantIsolationContract.TaxiKey);
        using var readerClient = ClientWith(TenantIsolationContract.TaxiReaderKey);

        var own = await ExportNdjsonAsync(taxiClient, since, until);
        using var withoutScope = await readerClient.GetAsync(ExportPath(since, until, "ndjson"));
        using var withoutKey = await api.Anonymous.GetAsync(ExportPath(since, until, "ndjson"));

        Assert.Equal([taxi.SessionId], own.Where(l => Record(l) == "call").Select(l => l.GetProperty("sessionId").GetString()));
        // The courier's business id is in no total either.
        Assert.Equal([JsonValueKind.Null], own.Where(l => Record(l) == "total").Select(l => l.GetProperty("businessId").ValueKind));
        Assert.Contains("billing:read", await ProblemResponse.AssertAsync(withoutScope, HttpStatusCode.Forbidden), StringComparison.Ordinal);
        await ProblemResponse.AssertAsync(withoutKey, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Phone_numbers_are_masked_for_a_tenant_key_without_pii_read_as_in_every_other_answer()
    {
        var since = api.Clock.GetUtcNow();
        var call = await api.PushAllAsync(SampleCall.Load("verification-code", userData: $"taxi-{Guid.NewGuid():N}"));
        var until = Until();
        using var taxiClient = ClientWith(TenantIsolationContract.TaxiKey);

        var masked = Assert.Single(await ExportNdjsonAsync(taxiClient, since, until), l => Record(l) == "call");
        var plain = Assert.Single(await ExportNdjsonAsync(api.Client, since, until), l => Record(l) == "call");
        var csv = Csv.Parse(await taxiClient.GetStringAsync(ExportPath(since, until, "csv")));

        Assert.Equal("+*********0044", masked.GetProperty("calleeNum").GetString());
        Assert.Equal("+*********0002", masked.GetProperty("bindNum").GetString());
        Assert.Equal("+8613800000044", plain.GetProperty("calleeNum").GetString());
        Assert.Equal(call.UserData, masked.GetProperty("userData").GetString());
        Assert.DoesNotContain(csv.SelectMany(r => r), f => f.Contains("8613800000044", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_export_route_wins_over_a_call_whose_session_id_is_export_which_lists_and_its_events_still_reach()
    {
        using var before = await api.Client.GetAsync("/v1/calls/export/events");
        await ProblemResponse.AssertAsync(before, HttpStatusCode.NotFound);
        var call = await api.PushAllAsync(SampleCall.Load("verification-code", sessionId: "export", userData: $"taxi-{Guid.NewGuid():N}"));

        using var export = await api.Client.GetAsync("/v1/calls/export");
        using var events = await api.Client.GetAsync("/v1/calls/export/events");
        using var list = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls?userData={call.UserData}"));

        Assert.Contains("since and until are required", await ProblemResponse.AssertAsync(export, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, events.StatusCode);
        Assert.Equal("export", Assert.Single(list.RootElement.GetProperty("items").EnumerateArray()).GetProperty("sessionId").GetString());
    }

    [Fact]
    public async Task A_hundred_thousand_calls_stream_in_pages_while_the_server_holds_only_a_few_of_them()
    {
        var bulk = await store.BulkAsync();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var pagesBefore = store.Export.Pages;

        using var response = await api.Client.GetAsync(ExportPath(bulk.Since, bulk.Until, "csv"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var header = (await reader.ReadLineAsync())!.Split(',');
        await reader.ReadLineAsync();
        // The client reads nothing more for a while: the server, held back by the unread response, stops reading pages.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var pagesWhileHeld = store.Export.Pages - pagesBefore;

        long calls = 1, peak = 0;
        var totals = new List<string[]>();
        string[]? end = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            var fields = line.Split(',');
            if (fields[0] == "call" && ++calls % 20_000 == 0) peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            else if (fields[0] == "total") totals.Add(fields);
            else if (fields[0] == "end") end = fields;
        }

        Assert.Equal(BulkCalls.Count, calls);
        // What it read ahead fills the response's buffers and the sockets' (a few megabytes), far from all 100 pages.
        Assert.True(pagesWhileHeld < BulkCalls.Count / 1000 / 2, $"the server read {pagesWhileHeld} pages of 1000 while the client read one line");
        Assert.True(store.Export.Pages - pagesBefore >= BulkCalls.Count / 1000, "the export was read in pages of at most 1000");
        Assert.Equal(BulkCalls.BusinessIds, totals.Count);
        Assert.All(totals, t => Assert.Equal($"{BulkCalls.Count / BulkCalls.BusinessIds}", t[Array.IndexOf(header, "calls")]));
        Assert.NotNull(end);
        Assert.Equal($"{BulkCalls.Count * bulk.BillableMinutesEach}", end[Array.IndexOf(header, "billableMinutes")]);
        // Holding the export (100,000 views of about a kilobyte) would take hundreds of megabytes; streaming, the live
        // heap grows by about a page and what the response has not sent yet. Generous for other tests' activity.
        Assert.True(peak < 64 * 1024 * 1024, $"the live heap grew by {peak / 1024 / 1024} MiB while the export ran");
    }

    [Fact]
    public async Task A_second_export_while_one_runs_is_refused_with_429_and_retry_after()
    {
        var bulk = await store.BulkAsync();
        using (var held = await api.Client.GetAsync(ExportPath(bulk.Since, bulk.Until, "ndjson"), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, held.StatusCode);
            using var second = await api.Client.GetAsync(ExportPath(bulk.Since, bulk.Until, "ndjson"));

            await ProblemResponse.AssertAsync(second, HttpStatusCode.TooManyRequests);
            Assert.NotNull(second.Headers.RetryAfter);
        }

        // The held export ends when its client goes away; then exports are accepted again.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode status;
        do
        {
            using var again = await api.Client.GetAsync("/v1/calls/export?since=2026-01-01T00:00:00Z&until=2026-01-01T00:00:01Z");
            status = again.StatusCode;
            if (status == HttpStatusCode.TooManyRequests) await Task.Delay(200);
        }
        while (status == HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    /// <summary>The three samples, oldest first, the callback registered under a business id; and a time before them.</summary>
    private async Task<(DateTimeOffset Since, List<SampleCall> Calls)> PushSamplesAsync()
    {
        var since = api.Clock.GetUtcNow();
        var calls = new List<SampleCall>();
        foreach (var name in SampleCall.Names)
        {
            calls.Add(await api.PushAllAsync(SampleCall.Load(name, userData: $"taxi-{name}-{Guid.NewGuid():N}")));
            // Distinct first receipts, so that the export's order is the order pushed.
            await Task.Delay(5);
        }
        await RegisterAsync(calls[0].UserData, BusinessIdOf(calls[0]), new() { ["driver"] = "d-9" }, kind: "taxi-order");
        return (since, calls);
    }

    private static string BusinessIdOf(SampleCall call) => "order-" + call.UserData;

    private DateTimeOffset Until() => api.Clock.GetUtcNow().AddMilliseconds(1);

    private async Task RegisterAsync(string userData, string businessId, Dictionary<string, string>? attributes = null, string kind = "ride")
    {
        var body = JsonSerializer.Serialize(new { kind, businessId, attributes = attributes ?? [] });
        using var response = await api.Client.PutAsync($"/v1/requests/{Uri.EscapeDataString(userData)}", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"registering {userData}: {response.StatusCode}");
    }

    private static string ExportPath(DateTimeOffset since, DateTimeOffset until, string format) =>
        $"/v1/calls/export?since={Uri.EscapeDataString(since.ToString("O"))}&until={Uri.EscapeDataString(until.ToString("O"))}&format={format}";

    private static async Task<List<JsonElement>> ExportNdjsonAsync(HttpClient client, DateTimeOffset since, DateTimeOffset until)
    {
        using var response = await client.GetAsync(ExportPath(since, until, "ndjson"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];
    }

    private static string? Record(JsonElement line) => line.GetProperty("record").GetString();

    private HttpClient ClientWith(string key)
    {
        var client = new HttpClient { BaseAddress = api.Client.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}

/// <summary>A reader of RFC 4180 text, the way a spreadsheet reads it: quoted fields may hold commas, quotes (doubled) and line breaks.</summary>
internal static class Csv
{
    public static List<List<string>> Parse(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"') field.Append(text[++i]);
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add(row);
                row = [];
                i++;
            }
            else field.Append(c);
        }
        Assert.True(field.Length == 0 && row.Count == 0, "the text ends with a line break");
        return rows;
    }
}

/// <summary>
/// 100,000 final calls written straight into the store (the pushes would take minutes): copies of one stored callback
/// view, a millisecond apart in a period of their own, over 100 userData values registered under 10 business ids.
/// </summary>
public sealed record BulkCalls(DateTimeOffset Since, DateTimeOffset Until, int BillableMinutesEach)
{
    public const int Count = 100_000;
    public const int UserDatas = 100;
    public const int BusinessIds = 10;

    public static readonly DateTimeOffset Start = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public static string SessionId(int i) => $"bulk-{i:000000}@export.test";

    public static string UserData(int i) => $"bulk-{i % UserDatas:000}";

    public static string BusinessId(int userData) => $"bulk-order-{userData % BusinessIds}";

    /// <summary>The stored view of one pushed callback, the template every bulk call copies.</summary>
    public static async Task<(string ViewJson, SampleCall Template)> TemplateAsync(ApiFixture api)
    {
        var template = await api.PushAllAsync(SampleCall.Load("callback-connected", userData: $"bulk-template-{Guid.NewGuid():N}"));
        var page = await api.Services.GetRequiredService<ICallsProjection>().ListAsync(new CallQuery(UserData: template.UserData));
        return (Assert.Single(page.Items).ViewJson.ToString(), template);
    }
}

/// <summary>The export's store reads, counted: how many pages the server asked for.</summary>
public sealed class CountingExport : ICallExport
{
    private int _pages;

    public ICallExport? Inner { get; set; }

    public int Pages => Volatile.Read(ref _pages);

    public Task<IReadOnlyList<ExportedCall>> ReadExportAsync(ExportQuery query, ExportCursor? after, int limit, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _pages);
        return Inner!.ReadExportAsync(query, after, limit, cancellationToken);
    }

    public IAsyncEnumerable<BillingTotal> ReadTotalsAsync(ExportQuery query, CancellationToken cancellationToken = default) =>
        Inner!.ReadTotalsAsync(query, cancellationToken);
}

/// <summary>What the export tests need of a fixture's store beyond HTTP: its page reads counted, and the bulk calls in it.</summary>
public interface IExportStore
{
    CountingExport Export { get; }

    /// <summary>Writes <see cref="BulkCalls"/> into the store, once per fixture.</summary>
    Task<BulkCalls> BulkAsync();
}

public sealed class ExportApiFixture : ApiFixture, IExportStore
{
    // Inserted once, by whichever test asks first; the others wait for the same insert.
    private readonly Lazy<Task<BulkCalls>> _bulk;

    public ExportApiFixture() => _bulk = new(InsertAsync);

    public CountingExport Export { get; } = new();

    protected override IEnumerable<string> Settings => [.. base.Settings, .. ExportContract.Settings];

    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Services.AddSingleton<ICallExport>(sp =>
        {
            Export.Inner = sp.GetRequiredService<InMemoryStore>();
            return Export;
        });
    }

    public Task<BulkCalls> BulkAsync() => _bulk.Value;

    private async Task<BulkCalls> InsertAsync()
    {
        var (viewJson, template) = await BulkCalls.TemplateAsync(this);
        var store = Services.GetRequiredService<InMemoryStore>();
        for (var j = 0; j < BulkCalls.UserDatas; j++)
        {
            var userData = BulkCalls.UserData(j);
            await store.UpsertAsync(new RequestRow(userData, "bulk", BulkCalls.BusinessId(j), new Dictionary<string, string>(), BulkCalls.Start, BulkCalls.Start));
        }
        for (var i = 0; i < BulkCalls.Count; i++)
        {
            var (sessionId, userData, at) = (BulkCalls.SessionId(i), BulkCalls.UserData(i), BulkCalls.Start.AddMilliseconds(i));
            var json = viewJson.Replace(template.SessionId, sessionId, StringComparison.Ordinal).Replace(template.UserData, userData, StringComparison.Ordinal);
            var row = new CallRow(sessionId, userData, CallStatus.Ended, CallOutcome.Answered, true, at, at, 8, ViewJson.FromText(json));
            await store.AppendAsync(new CallAppend(new JournalEntry(new PushItem(sessionId, "fee", "{}", at), "bulk", ChangedView: true), row, ChangeType: null));
        }
        return new BulkCalls(BulkCalls.Start, BulkCalls.Start.AddDays(1), BillableMinutesEach: 1);
    }
}

public sealed class ExportPostgresApiFixture : PostgresApiFixture, IExportStore
{
    // Inserted once, by whichever test asks first; the others wait for the same insert.
    private readonly Lazy<Task<BulkCalls>> _bulk;

    public ExportPostgresApiFixture() => _bulk = new(InsertAsync);

    public CountingExport Export { get; } = new();

    protected override IEnumerable<string> Settings => [.. base.Settings, .. ExportContract.Settings];

    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Services.AddSingleton<ICallExport>(sp =>
        {
            Export.Inner = new PostgresCallExport(sp.GetRequiredKeyedService<NpgsqlDataSource>(PostgresHostingExtensions.DataSourceKey));
            return Export;
        });
    }

    public Task<BulkCalls> BulkAsync() => _bulk.Value;

    /// <summary>Two statements: the requests, then the calls from generate_series, their views copied from the template in SQL.</summary>
    private async Task<BulkCalls> InsertAsync()
    {
        var (viewJson, template) = await BulkCalls.TemplateAsync(this);
        var dataSource = Services.GetRequiredKeyedService<NpgsqlDataSource>(PostgresHostingExtensions.DataSourceKey);
        await using (var requests = dataSource.CreateCommand($"""
            INSERT INTO callgrains_requests (user_data, kind, business_id, attributes, registered_at, updated_at)
            SELECT 'bulk-' || lpad(j::text, 3, '0'), 'bulk', 'bulk-order-' || (j % {BulkCalls.BusinessIds}), jsonb_build_object(), $1, $1
            FROM generate_series(0, {BulkCalls.UserDatas - 1}) j
            """))
        {
            requests.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = BulkCalls.Start });
            await requests.ExecuteNonQueryAsync();
        }
        await using (var calls = dataSource.CreateCommand($"""
            INSERT INTO callgrains_calls (session_id, user_data, status, outcome, final, first_received_at, updated_at, version, view_json)
            SELECT s.session_id, s.user_data, 'ended', 'answered', true, s.at, s.at, 8, replace(replace($2, $3, s.session_id), $4, s.user_data)
            FROM (SELECT 'bulk-' || lpad(i::text, 6, '0') || '@export.test' AS session_id,
                         'bulk-' || lpad((i % {BulkCalls.UserDatas})::text, 3, '0') AS user_data,
                         $1 + i * interval '1 millisecond' AS at
                  FROM generate_series(0, {BulkCalls.Count - 1}) i) s
            """))
        {
            calls.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = BulkCalls.Start });
            calls.Parameters.Add(new NpgsqlParameter<string> { TypedValue = viewJson });
            calls.Parameters.Add(new NpgsqlParameter<string> { TypedValue = template.SessionId });
            calls.Parameters.Add(new NpgsqlParameter<string> { TypedValue = template.UserData });
            calls.CommandTimeout = 120;
            await calls.ExecuteNonQueryAsync();
        }
        return new BulkCalls(BulkCalls.Start, BulkCalls.Start.AddDays(1), BillableMinutesEach: 1);
    }
}

[Collection(ExportAloneCollection.Name)]
public sealed class ExportTests(ExportApiFixture api) : ExportContract(api, api), IClassFixture<ExportApiFixture>;

[Collection(ExportAloneCollection.Name)]
public sealed class ExportTestsOnPostgres(ExportPostgresApiFixture api) : ExportContract(api, api), IClassFixture<ExportPostgresApiFixture>;

/// <summary>
/// The export's memory is read from this process's live heap, which every test running beside it would grow too: these
/// tests run on their own, after the others.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ExportAloneCollection
{
    public const string Name = "export-alone";
}
