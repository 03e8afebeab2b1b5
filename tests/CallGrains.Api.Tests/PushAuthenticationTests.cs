using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CallGrains.Api.Hosting;
using CallGrains.Api.Pushes;
using CallGrains.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace CallGrains.Api.Tests;

/// <summary>
/// Two apps with secrets: "taxi-app" under the default "flag" policy, "courier-app" under "reject".
/// Unsigned pushes are flagged (the default with secrets configured is reject). Every log line is captured.
/// </summary>
public sealed class SignedPushApiFixture : ApiFixture
{
    public const string FlaggedApp = "taxi-app";
    public const string RejectingApp = "courier-app";
    public const string FlaggedSecret = "taxi-secret-5f1e0c";
    public const string RejectingSecret = "courier-secret-9a7d22";

    public LogCapture Logs { get; } = new();

    protected override IEnumerable<string> Settings =>
    [
        .. base.Settings,
        $"--CallGrains:PushAuthentication:Apps:{FlaggedApp}:Secret={FlaggedSecret}",
        $"--CallGrains:PushAuthentication:Apps:{RejectingApp}:Secret={RejectingSecret}",
        $"--CallGrains:PushAuthentication:Apps:{RejectingApp}:Policy=reject",
        "--CallGrains:PushAuthentication:Unsigned=flag",
        "--Logging:LogLevel:Default=Information",
    ];

    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Logging.AddProvider(Logs);
    }
}

public sealed class PushAuthenticationTests(SignedPushApiFixture api) : IClassFixture<SignedPushApiFixture>
{
    private const string StatusPath = "/v1/huawei/status";

    [Fact]
    public async Task A_push_signed_with_its_apps_secret_is_accepted_unflagged()
    {
        var call = SampleCall.Load("verification-code");

        using var response = await SendAsync(StatusPath, call.Pushes[0], Sign(SignedPushApiFixture.RejectingApp, SignedPushApiFixture.RejectingSecret, StatusPath));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(await ProblemsAsync(call), p => p.StartsWith("unauthenticated", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_older_digest_without_newlines_is_accepted_too()
    {
        var call = SampleCall.Load("verification-code");

        using var response = await SendAsync(StatusPath, call.Pushes[0],
            Sign(SignedPushApiFixture.RejectingApp, SignedPushApiFixture.RejectingSecret, StatusPath, withNewlines: false));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_forged_digest_under_the_flag_policy_is_accepted_and_marked_on_the_call_and_its_event()
    {
        var call = SampleCall.Load("verification-code");

        using var response = await SendAsync(StatusPath, call.Pushes[0], Sign(SignedPushApiFixture.FlaggedApp, "not-the-secret", StatusPath));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("unauthenticated push: X-AKSK digest does not match", await ProblemsAsync(call));
        using var events = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}/events"));
        Assert.Equal("unauthenticated push: X-AKSK digest does not match", events.RootElement[0].GetProperty("flag").GetString());
    }

    [Fact]
    public async Task A_forged_digest_under_the_reject_policy_is_a_401_problem_and_stores_nothing()
    {
        var call = SampleCall.Load("verification-code");

        using var response = await SendAsync(StatusPath, call.Pushes[0], Sign(SignedPushApiFixture.RejectingApp, "not-the-secret", StatusPath));

        await ProblemResponse.AssertAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}")).StatusCode);
    }

    [Fact]
    public async Task A_signature_for_another_url_does_not_verify()
    {
        var call = SampleCall.Load("verification-code");

        using var response = await SendAsync(StatusPath, call.Pushes[0], Sign(SignedPushApiFixture.RejectingApp, SignedPushApiFixture.RejectingSecret, "/v1/huawei/fee"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_replayed_nonce_is_refused_even_with_a_valid_digest()
    {
        var call = SampleCall.Load("verification-code");
        var header = Sign(SignedPushApiFixture.RejectingApp, SignedPushApiFixture.RejectingSecret, StatusPath);

        using var first = await SendAsync(StatusPath, call.Pushes[0], header);
        using var replay = await SendAsync(StatusPath, call.Pushes[1], header);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("replay", await replay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-10)]
    [InlineData(10)]
    public async Task A_created_time_outside_the_window_is_refused(int minutesOff)
    {
        var call = SampleCall.Load("verification-code");
        var created = DateTimeOffset.UtcNow.AddMinutes(minutesOff);

        using var response = await SendAsync(StatusPath, call.Pushes[0],
            Sign(SignedPushApiFixture.RejectingApp, SignedPushApiFixture.RejectingSecret, StatusPath, created: created));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task An_unsigned_push_is_accepted_and_flagged_when_apps_have_secrets()
    {
        var call = SampleCall.Load("verification-code");

        using var response = await SendAsync(StatusPath, call.Pushes[0], signature: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("unauthenticated push: no usable X-AKSK header", await ProblemsAsync(call));
    }

    [Fact]
    public async Task A_forged_cdr_under_the_flag_policy_cannot_finish_a_call_and_the_call_is_listed_as_unverified()
    {
        var call = SampleCall.Load("verification-code");
        var (statuses, fee) = (call.Pushes.Where(p => !p.Contains("\"feeLst\"", StringComparison.Ordinal)).ToList(), call.Pushes.Single(p => p.Contains("\"feeLst\"", StringComparison.Ordinal)));
        foreach (var push in statuses)
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(StatusPath, push, Sign(SignedPushApiFixture.RejectingApp, SignedPushApiFixture.RejectingSecret, StatusPath))).StatusCode);

        using var forged = await SendAsync("/v1/huawei/fee", fee, Sign(SignedPushApiFixture.FlaggedApp, "wrong", "/v1/huawei/fee"));

        Assert.Equal(HttpStatusCode.OK, forged.StatusCode);
        using (var view = await ViewAsync(call))
        {
            Assert.False(view.RootElement.GetProperty("final").GetBoolean());
            Assert.Equal(JsonValueKind.Null, view.RootElement.GetProperty("cdr").ValueKind);
            var unverified = Assert.Single(view.RootElement.GetProperty("unverified").EnumerateArray());
            Assert.Equal("fee", unverified.GetProperty("eventType").GetString());
        }
        using (var listed = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls?unverified=true&userData={Uri.EscapeDataString(call.UserData)}")))
            Assert.Single(listed.RootElement.GetProperty("items").EnumerateArray());
        using (var request = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/requests/{Uri.EscapeDataString(call.UserData)}")))
            Assert.Equal(1, Assert.Single(request.RootElement.GetProperty("calls").EnumerateArray()).GetProperty("unverified").GetInt32());

        using var real = await SendAsync("/v1/huawei/fee", fee, Sign(SignedPushApiFixture.RejectingApp, SignedPushApiFixture.RejectingSecret, "/v1/huawei/fee"));

        Assert.Equal(HttpStatusCode.OK, real.StatusCode);
        using var after = await ViewAsync(call);
        Assert.True(after.RootElement.GetProperty("final").GetBoolean());
    }

    [Fact]
    public async Task Every_cdr_of_a_flagged_fee_push_is_marked()
    {
        var first = SampleCall.Load("verification-code");
        var second = SampleCall.Load("callback-connected");
        var fee = "{\"eventType\":\"fee\",\"feeLst\":[" + Cdr(first) + "," + Cdr(second) + "]}";

        using var response = await SendAsync("/v1/huawei/fee", fee, Sign(SignedPushApiFixture.FlaggedApp, "wrong", "/v1/huawei/fee"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("unauthenticated push: X-AKSK digest does not match", await ProblemsAsync(first));
        Assert.Contains("unauthenticated push: X-AKSK digest does not match", await ProblemsAsync(second));
    }

    [Fact]
    public async Task Logs_never_hold_secrets_digests_or_phone_numbers()
    {
        var call = SampleCall.Load("callback-connected");
        var forged = Sign(SignedPushApiFixture.FlaggedApp, "wrong", StatusPath);
        await api.PushAllAsync(call.Pushes, push => SendAsync(ApiFixture.PushPathFor(push), push, forged));
        await using (await api.OutageAsync())
            (await SendAsync(StatusPath, SampleCall.Load("notification-collect").Pushes[0], signature: null)).Dispose();

        var logs = string.Join('\n', api.Logs.Lines);
        Assert.Contains("taxi-app", logs, StringComparison.Ordinal); // the check did log something
        Assert.DoesNotContain(SignedPushApiFixture.FlaggedSecret, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(SignedPushApiFixture.RejectingSecret, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(forged.Digest, logs, StringComparison.Ordinal);
        Assert.DoesNotMatch(new Regex(@"\+?86\d{9,}"), logs);
    }

    private static string Cdr(SampleCall call)
    {
        using var fee = JsonDocument.Parse(call.Pushes.Single(p => p.Contains("\"feeLst\"", StringComparison.Ordinal)));
        return fee.RootElement.GetProperty("feeLst")[0].GetRawText();
    }

    private PushSignature Sign(string appKey, string secret, string path, bool withNewlines = true, DateTimeOffset? created = null)
    {
        var nonce = Guid.NewGuid().ToString("N");
        var createdText = (created ?? DateTimeOffset.UtcNow).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var url = new Uri(api.Client.BaseAddress!, path).ToString();
        return new PushSignature(appKey, PushSignature.DigestOf(secret, url, nonce, createdText, withNewlines), nonce, createdText);
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string body, PushSignature? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (signature is not null) request.Headers.TryAddWithoutValidation(PushAuthentication.HeaderName, signature.Header());
        return await api.Client.SendAsync(request);
    }

    private async Task<IReadOnlyList<string>> ProblemsAsync(SampleCall call)
    {
        using var view = await ViewAsync(call);
        return [.. view.RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!)];
    }

    private async Task<JsonDocument> ViewAsync(SampleCall call) =>
        JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}"));
}

public sealed class ClusterModeStartupTests
{
    private static readonly string[] ClusterArgs =
    [
        "--ConnectionStrings:CallGrains=Host=127.0.0.1;Port=1;Username=nobody",
        "--urls=http://127.0.0.1:0",
    ];

    [Fact]
    public void Cluster_mode_refuses_to_start_without_api_keys()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CallGrainsApp.Build(ClusterArgs));
        Assert.Contains("CallGrains:ApiKeys", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_mode_starts_without_keys_only_when_anonymous_access_is_explicitly_allowed()
    {
        await using var app = CallGrainsApp.Build([.. ClusterArgs, "--CallGrains:AllowAnonymous=true"]);
        Assert.NotNull(app);
    }

    [Fact]
    public async Task Cluster_mode_starts_with_api_keys()
    {
        await using var app = CallGrainsApp.Build([.. ClusterArgs, "--CallGrains:ApiKeys:0=k"]);
        Assert.NotNull(app);
    }
}
