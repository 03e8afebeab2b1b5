using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CallGrains.Domain.Calls;
using CallGrains.Hosting;
using CallGrains.Storage;
using CallGrains.Storage.InMemory;
using CallGrains.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CallGrains.Api.Tests;

/// <summary>
/// Erasure (<c>DELETE /v1/calls/{sessionId}</c>, <c>DELETE /v1/requests/{userData}</c>) and the masking of personal
/// data, on both stores. Every call is pushed with phone numbers of its own, so that finding one anywhere after its
/// call was erased can only be that call.
/// </summary>
public abstract class PersonalDataContract(ApiFixture api, IStoredText stored)
{
    public const string TaxiKey = "pd-taxi-key-0123456789";
    public const string TaxiPiiKey = "pd-taxi-pii-0123456789";
    public const string TaxiEraserKey = "pd-taxi-eraser-0123456789";
    public const string CourierEraserKey = "pd-courier-eraser-0123456789";

    public static IEnumerable<string> Settings =>
    [
        "--CallGrains:Tenants:taxi:UserDataPrefixes:0=taxi-",
        $"--CallGrains:Tenants:taxi:Keys:0:Key={TaxiKey}",
        $"--CallGrains:Tenants:taxi:Keys:1:Key={TaxiPiiKey}",
        "--CallGrains:Tenants:taxi:Keys:1:Scopes:0=calls:read",
        "--CallGrains:Tenants:taxi:Keys:1:Scopes:1=changes:read",
        "--CallGrains:Tenants:taxi:Keys:1:Scopes:2=pii:read",
        $"--CallGrains:Tenants:taxi:Keys:2:Key={TaxiEraserKey}",
        "--CallGrains:Tenants:taxi:Keys:2:Scopes:0=data:erase",
        "--CallGrains:Tenants:courier:UserDataPrefixes:0=courier-",
        $"--CallGrains:Tenants:courier:Keys:0:Key={CourierEraserKey}",
        "--CallGrains:Tenants:courier:Keys:0:Scopes:0=data:erase",
        "--CallGrains:Erasure:AuditKey=an-audit-key-for-the-tests",
        .. WebhookTestSettings.All,
    ];

    [Fact]
    public async Task An_erased_call_leaves_no_trace_of_its_numbers_or_session_in_any_answer_or_table()
    {
        var (call, numbers) = await PushCallbackAsync($"taxi-{Guid.NewGuid():N}");
        Assert.NotEmpty(await stored.PlacesHoldingAsync(Digits(numbers[0])));

        using var erased = await api.Client.DeleteAsync(CallPath(call.SessionId));

        Assert.Equal(HttpStatusCode.Accepted, erased.StatusCode);
        var receipt = JsonDocument.Parse(await erased.Content.ReadAsStringAsync()).RootElement;
        Assert.True(Guid.TryParse(receipt.GetProperty("erasureId").GetString(), out _));
        Assert.Equal("call", receipt.GetProperty("kind").GetString());
        Assert.Equal(1, receipt.GetProperty("calls").GetInt32());
        using var view = await api.Client.GetAsync(CallPath(call.SessionId));
        using var events = await api.Client.GetAsync(CallPath(call.SessionId) + "/events");
        await ProblemResponse.AssertAsync(view, HttpStatusCode.NotFound);
        await ProblemResponse.AssertAsync(events, HttpStatusCode.NotFound);
        var answers = new[]
        {
            await api.Client.GetStringAsync($"/v1/calls?userData={Uri.EscapeDataString(call.UserData)}"),
            await api.Client.GetStringAsync("/v1/calls?limit=500"),
            await api.Client.GetStringAsync("/v1/changes?limit=500"),
            await api.Client.GetStringAsync($"/v1/changes?userData={Uri.EscapeDataString(call.UserData)}"),
        };
        foreach (var text in numbers.Append(call.SessionId))
        {
            Assert.All(answers, a => Assert.DoesNotContain(Digits(text), a, StringComparison.Ordinal));
            Assert.Empty(await stored.PlacesHoldingAsync(Digits(text)));
        }
    }

    [Fact]
    public async Task A_push_for_an_erased_session_starts_a_new_call()
    {
        var (call, _) = await PushCallbackAsync($"taxi-{Guid.NewGuid():N}");
        using var erased = await api.Client.DeleteAsync(CallPath(call.SessionId));
        Assert.Equal(HttpStatusCode.Accepted, erased.StatusCode);

        // The first push again: the old call held it, so a resurrected call would take it as a duplicate.
        await api.PushAllAsync([call.Pushes[0]]);

        var view = JsonDocument.Parse(await api.Client.GetStringAsync(CallPath(call.SessionId))).RootElement;
        var events = JsonDocument.Parse(await api.Client.GetStringAsync(CallPath(call.SessionId) + "/events")).RootElement;
        Assert.Equal(1, view.GetProperty("version").GetInt32());
        Assert.Equal("dialing", view.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("cdr").ValueKind);
        Assert.Equal(1, events.GetArrayLength());
    }

    [Fact]
    public async Task The_audit_record_says_what_who_and_how_much_and_holds_no_number_session_or_key()
    {
        var (call, numbers) = await PushCallbackAsync($"taxi-{Guid.NewGuid():N}");
        using var eraser = ClientWith(TaxiEraserKey);

        using var erased = await eraser.DeleteAsync(CallPath(call.SessionId));

        Assert.Equal(HttpStatusCode.Accepted, erased.StatusCode);
        var id = Guid.Parse(JsonDocument.Parse(await erased.Content.ReadAsStringAsync()).RootElement.GetProperty("erasureId").GetString()!);
        var record = await api.Services.GetRequiredService<IErasureStore>().FindRecordAsync(id);
        Assert.NotNull(record);
        Assert.Equal(ErasureKinds.Call, record.Kind);
        Assert.Equal("CallGrains:Tenants:taxi:Keys:2", record.Who);
        Assert.Equal("taxi", record.Tenant);
        Assert.Equal(1, record.Calls);
        Assert.Equal(call.Pushes.Count, record.Rows.JournalEntries);
        Assert.Equal(1, record.Rows.CallRows);
        Assert.True(record.Rows.Changes >= 1);
        Assert.Matches("^[0-9a-f]{64}$", record.SubjectHash);
        var text = JsonSerializer.Serialize(record);
        foreach (var personal in numbers.Append(call.SessionId).Append(TaxiEraserKey))
            Assert.DoesNotContain(personal, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Erasing_a_request_erases_it_and_every_call_it_matched_and_nothing_else()
    {
        var userData = $"taxi-{Guid.NewGuid():N}";
        using var registered = await api.Client.PutAsync($"/v1/requests/{userData}",
            new StringContent("""{"kind":"taxi-order","businessId":"order-erased"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var (first, firstNumbers) = await PushCallbackAsync(userData);
        var (second, _) = await PushCallbackAsync(userData);
        var (other, _) = await PushCallbackAsync($"taxi-{Guid.NewGuid():N}");
        using var eraser = ClientWith(TaxiEraserKey);

        using var erased = await eraser.DeleteAsync($"/v1/requests/{userData}");

        Assert.Equal(HttpStatusCode.Accepted, erased.StatusCode);
        var receipt = JsonDocument.Parse(await erased.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("request", receipt.GetProperty("kind").GetString());
        Assert.Equal(2, receipt.GetProperty("calls").GetInt32());
        using var request = await api.Client.GetAsync($"/v1/requests/{userData}");
        await ProblemResponse.AssertAsync(request, HttpStatusCode.NotFound);
        foreach (var gone in new[] { first, second })
        {
            using var view = await api.Client.GetAsync(CallPath(gone.SessionId));
            await ProblemResponse.AssertAsync(view, HttpStatusCode.NotFound);
        }
        Assert.Empty(JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls?userData={userData}")).RootElement.GetProperty("items").EnumerateArray());
        Assert.Empty(JsonDocument.Parse(await api.Client.GetStringAsync("/v1/requests?businessId=order-erased")).RootElement.GetProperty("items").EnumerateArray());
        using var kept = await api.Client.GetAsync(CallPath(other.SessionId));
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        foreach (var text in firstNumbers.Append(userData).Append(second.SessionId))
            Assert.Empty(await stored.PlacesHoldingAsync(Digits(text)));
    }

    [Fact]
    public async Task Erasure_needs_its_scope_and_another_tenants_call_or_request_is_not_found()
    {
        var (call, _) = await PushCallbackAsync($"taxi-{Guid.NewGuid():N}");
        using var reader = ClientWith(TaxiKey);
        using var courier = ClientWith(CourierEraserKey);

        using var unscoped = await reader.DeleteAsync(CallPath(call.SessionId));
        using var unscopedRequest = await reader.DeleteAsync($"/v1/requests/{call.UserData}");
        using var foreign = await courier.DeleteAsync(CallPath(call.SessionId));
        using var foreignRequest = await courier.DeleteAsync($"/v1/requests/{call.UserData}");
        using var anonymous = await api.Anonymous.DeleteAsync(CallPath(call.SessionId));

        await ProblemResponse.AssertAsync(unscoped, HttpStatusCode.Forbidden);
        await ProblemResponse.AssertAsync(unscopedRequest, HttpStatusCode.Forbidden);
        await ProblemResponse.AssertAsync(foreign, HttpStatusCode.NotFound);
        await ProblemResponse.AssertAsync(foreignRequest, HttpStatusCode.NotFound);
        await ProblemResponse.AssertAsync(anonymous, HttpStatusCode.Unauthorized);
        using var stillThere = await api.Client.GetAsync(CallPath(call.SessionId));
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
    }

    [Fact]
    public async Task A_second_erasure_of_the_same_call_and_one_of_an_unknown_call_are_not_found()
    {
        var (call, _) = await PushCallbackAsync($"taxi-{Guid.NewGuid():N}");

        using var first = await api.Client.DeleteAsync(CallPath(call.SessionId));
        using var second = await api.Client.DeleteAsync(CallPath(call.SessionId));
        using var unknown = await api.Client.DeleteAsync(CallPath($"never-{Guid.NewGuid():N}"));
        using var unknownRequest = await api.Client.DeleteAsync($"/v1/requests/taxi-never-{Guid.NewGuid():N}");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await ProblemResponse.AssertAsync(second, HttpStatusCode.NotFound);
        await ProblemResponse.AssertAsync(unknown, HttpStatusCode.NotFound);
        await ProblemResponse.AssertAsync(unknownRequest, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_tenant_key_without_pii_read_sees_every_number_and_digit_masked_on_every_endpoint()
    {
        var (call, numbers) = await PushCallbackAsync($"taxi-{Guid.NewGuid():N}");
        var (collect, collectNumbers) = await PushAsync("notification-collect", $"taxi-{Guid.NewGuid():N}", ["+8613800000031"]);
        using var reader = ClientWith(TaxiKey);

        var answers = await AnswersAsync(reader, call, collect);

        foreach (var (endpoint, text) in answers)
        {
            foreach (var number in numbers.Concat(collectNumbers))
                Assert.False(text.Contains(number, StringComparison.Ordinal), $"{endpoint} shows {number} unmasked");
        }
        Assert.Contains(PersonalDataMasking.Number(numbers[0]), answers["view"], StringComparison.Ordinal);
        Assert.Contains(PersonalDataMasking.Number(numbers[0]), answers["events"], StringComparison.Ordinal);
        var digits = JsonDocument.Parse(answers["digits view"]).RootElement.GetProperty("digits");
        Assert.All(digits.EnumerateArray(), d => Assert.Matches("^\\*+$", d.GetString()));
        var collected = JsonDocument.Parse(answers["digits events"]).RootElement.EnumerateArray()
            .Select(e => e.GetProperty("body")).Single(b => b.TryGetProperty("statusInfo", out var info) && info.TryGetProperty("digitInfo", out _));
        Assert.Equal("*", collected.GetProperty("statusInfo").GetProperty("digitInfo").GetString());
    }

    [Fact]
    public async Task A_key_with_pii_read_and_the_all_tenants_key_see_numbers_and_digits_as_pushed()
    {
        var (call, numbers) = await PushCallbackAsync($"taxi-{Guid.NewGuid():N}");
        var (collect, _) = await PushAsync("notification-collect", $"taxi-{Guid.NewGuid():N}", ["+8613800000031"]);
        using var pii = ClientWith(TaxiPiiKey);

        foreach (var client in new[] { pii, api.Client })
        {
            var answers = await AnswersAsync(client, call, collect);
            foreach (var (endpoint, text) in answers.Where(a => !a.Key.StartsWith("digits", StringComparison.Ordinal)))
                Assert.True(text.Contains(numbers[0], StringComparison.Ordinal), $"{endpoint} masks {numbers[0]}");
            Assert.Equal("1", JsonDocument.Parse(answers["digits view"]).RootElement.GetProperty("digits")[0].GetString());
        }
    }

    [Fact]
    public async Task A_subscription_made_by_a_key_without_pii_read_is_sent_masked_changes_and_one_made_by_an_all_tenants_key_is_not()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (maskedHook, plainHook) = (receiver.Add(), receiver.Add());
        var prefix = $"taxi-{Guid.NewGuid():N}";
        using var reader = ClientWith(TaxiKey);
        var masked = await SubscribeAsync(reader, maskedHook.Url, prefix);
        var plain = await SubscribeAsync(api.Client, plainHook.Url, prefix);

        var (_, numbers) = await PushCallbackAsync(prefix + "-order");

        foreach (var hook in new[] { maskedHook, plainHook })
            await hook.WaitUntilAsync(h => h.Delivered.Any(r => r.Type == "call.final"), TimeSpan.FromSeconds(60), "the final change");
        Assert.All(maskedHook.Delivered, r => Assert.DoesNotContain(Digits(numbers[0]), r.Body, StringComparison.Ordinal));
        Assert.Contains(maskedHook.Delivered, r => Unescaped(r.Body).Contains(PersonalDataMasking.Number(numbers[0]), StringComparison.Ordinal));
        Assert.Contains(plainHook.Delivered, r => Unescaped(r.Body).Contains(numbers[0], StringComparison.Ordinal));
        using var deletedMasked = await reader.DeleteAsync($"/v1/subscriptions/{masked}");
        using var deletedPlain = await api.Client.DeleteAsync($"/v1/subscriptions/{plain}");
    }

    [Fact]
    public async Task Changes_a_subscription_had_read_before_its_call_was_erased_are_not_sent_after_the_erasure()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var hook = receiver.Add();
        // A slow receiver: the call's first change is on the wire while the later ones wait in the subscription's memory.
        hook.Delay = TimeSpan.FromSeconds(2);
        var prefix = $"taxi-{Guid.NewGuid():N}";
        var subscription = await SubscribeAsync(api.Client, hook.Url, prefix);
        var (call, _) = await PushCallbackAsync(prefix + "-order");
        await hook.WaitUntilAsync(h => h.Received.Count >= 1, TimeSpan.FromSeconds(60), "the first change");

        using (var erased = await api.Client.DeleteAsync(CallPath(call.SessionId)))
            Assert.Equal(HttpStatusCode.Accepted, erased.StatusCode);
        var erasedAt = DateTimeOffset.UtcNow;

        // Long enough for the send on the wire to finish and, without the erasure, the next one to start.
        await Task.Delay(hook.Delay * 3);
        Assert.DoesNotContain(hook.Received, r => r.At > erasedAt);
        using var deleted = await api.Client.DeleteAsync($"/v1/subscriptions/{subscription}");
    }

    private static async Task<string> SubscribeAsync(HttpClient client, string url, string prefix)
    {
        using var created = await client.PostAsync("/v1/subscriptions",
            new StringContent($"{{\"url\":\"{url}\",\"userDataPrefix\":\"{prefix}\"}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>A number's digits: how it is found whether a JSON writer escaped its '+' or not.</summary>
    private static string Digits(string text) => text.TrimStart('+');

    /// <summary>JSON text with the '+' the contract's serializer escapes as "\u002B" written plainly again.</summary>
    private static string Unescaped(string json) => json.Replace("\\u002B", "+", StringComparison.Ordinal);

    /// <summary>Every answer that shows a call's numbers (its view, events, list, changes and the live stream), '+' unescaped.</summary>
    private async Task<Dictionary<string, string>> AnswersAsync(HttpClient client, SampleCall call, SampleCall collect) => new()
    {
        ["view"] = Unescaped(await client.GetStringAsync(CallPath(call.SessionId))),
        ["events"] = Unescaped(await client.GetStringAsync(CallPath(call.SessionId) + "/events")),
        ["list"] = Unescaped(await client.GetStringAsync($"/v1/calls?userData={call.UserData}")),
        ["changes"] = Unescaped(await client.GetStringAsync($"/v1/changes?userData={call.UserData}")),
        ["stream"] = Unescaped(await StreamAsync(client, call.UserData)),
        ["digits view"] = await client.GetStringAsync(CallPath(collect.SessionId)),
        ["digits events"] = await client.GetStringAsync(CallPath(collect.SessionId) + "/events"),
    };

    private static async Task<string> StreamAsync(HttpClient client, string userData)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await client.GetAsync($"/v1/changes/stream?after=0&userData={userData}", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var text = new StringBuilder();
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            text.AppendLine(line);
            if (!line.StartsWith("event: call.final", StringComparison.Ordinal)) continue;
            text.AppendLine(await reader.ReadLineAsync(timeout.Token));
            break;
        }
        return text.ToString();
    }

    private Task<(SampleCall Call, string[] Numbers)> PushCallbackAsync(string userData) =>
        PushAsync("callback-connected", userData, ["+8613800000022", "+8613800000021", "+8613800007021"]);

    /// <summary>The sample with each of <paramref name="sampleNumbers"/> replaced by a number of this call's own, pushed.</summary>
    private async Task<(SampleCall Call, string[] Numbers)> PushAsync(string sample, string userData, string[] sampleNumbers)
    {
        var call = SampleCall.Load(sample, userData: userData);
        var numbers = sampleNumbers.Select(_ => "+86139" + Random.Shared.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture)).ToArray();
        var pushes = call.Pushes.Select(p => sampleNumbers.Zip(numbers).Aggregate(p, (text, n) => text.Replace(n.First, n.Second, StringComparison.Ordinal)));
        call = call with { Pushes = [.. pushes] };
        await api.PushAllAsync(call.Pushes);
        return (call, numbers);
    }

    private HttpClient ClientWith(string key)
    {
        var client = new HttpClient { BaseAddress = api.Client.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static string CallPath(string sessionId) => $"/v1/calls/{Uri.EscapeDataString(sessionId)}";
}

/// <summary>Where a store holds a text: what an erasure test searches after the erasure.</summary>
public interface IStoredText
{
    /// <summary>The tables (or in-memory collections) holding <paramref name="text"/> anywhere in a row; empty when none.</summary>
    Task<IReadOnlyList<string>> PlacesHoldingAsync(string text);
}

public sealed class PersonalDataApiFixture : ApiFixture, IStoredText
{
    protected override IEnumerable<string> Settings => [.. base.Settings, .. PersonalDataContract.Settings];

    /// <summary>The embedded store's journal, calls and changes, read through its own ports.</summary>
    public async Task<IReadOnlyList<string>> PlacesHoldingAsync(string text)
    {
        var store = Services.GetRequiredService<InMemoryStore>();
        var places = new HashSet<string>();
        if ((await store.ReadSessionAsync(text)).Count > 0) places.Add("journal");
        var query = new CallQuery(Limit: CallQuery.MaxLimit);
        while (true)
        {
            var page = await store.ListAsync(query);
            foreach (var row in page.Items)
            {
                if (row.SessionId.Contains(text, StringComparison.Ordinal) || row.ViewJson.ToString().Contains(text, StringComparison.Ordinal)) places.Add("calls");
                if ((await store.ReadSessionAsync(row.SessionId)).Any(e => e.Item.Body.Contains(text, StringComparison.Ordinal) || e.SessionId.Contains(text, StringComparison.Ordinal)))
                    places.Add("journal");
            }
            if (page.Next is null) break;
            query = query with { Cursor = page.Next };
        }
        long after = 0;
        while (true)
        {
            var changes = await store.ReadAsync(new ChangeQuery(after, ChangeQuery.MaxLimit));
            if (changes.Count == 0) break;
            if (changes.Any(c => c.SessionId.Contains(text, StringComparison.Ordinal) || c.ViewJson.ToString().Contains(text, StringComparison.Ordinal)
                                 || (c.UserData?.Contains(text, StringComparison.Ordinal) ?? false)))
                places.Add("changes");
            after = changes[^1].Seq;
        }
        return [.. places];
    }
}

public sealed class PersonalDataPostgresApiFixture : PostgresApiFixture, IStoredText
{
    protected override IEnumerable<string> Settings => [.. base.Settings, .. PersonalDataContract.Settings];

    /// <summary>Every table of the database, each row as text (PostgreSQL's row-to-text cast), searched for the text.</summary>
    public async Task<IReadOnlyList<string>> PlacesHoldingAsync(string text)
    {
        var dataSource = Services.GetRequiredKeyedService<NpgsqlDataSource>(PostgresHostingExtensions.DataSourceKey);
        var tables = new List<string>();
        await using (var list = dataSource.CreateCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        var places = new List<string>();
        foreach (var table in tables)
        {
            // Grain state is bytea: read as UTF-8 text, so that a stored JSON payload is searched too.
            var row = table == "orleans_grain_state"
                ? "coalesce(convert_from(t.payload, 'UTF8'), '') || coalesce(t.grain_id_extension, '')"
                : "t::text";
            await using var count = dataSource.CreateCommand($"SELECT count(*) FROM \"{table}\" t WHERE strpos({row}, $1) > 0");
            count.Parameters.Add(new NpgsqlParameter<string> { TypedValue = text });
            if ((long)(await count.ExecuteScalarAsync())! > 0) places.Add(table);
        }
        return places;
    }
}

public sealed class PersonalDataTests(PersonalDataApiFixture api) : PersonalDataContract(api, api), IClassFixture<PersonalDataApiFixture>;

public sealed class PersonalDataTestsOnPostgres(PersonalDataPostgresApiFixture api) : PersonalDataContract(api, api), IClassFixture<PersonalDataPostgresApiFixture>;
