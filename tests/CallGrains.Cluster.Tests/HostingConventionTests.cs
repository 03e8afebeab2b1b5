using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using CallGrains.Tests.Shared;
using static CallGrains.Tests.Shared.ServiceProcess;
using static CallGrains.Tests.Shared.LoopbackPorts;

namespace CallGrains.Cluster.Tests;

/// <summary>The processes as a container platform starts them: told where to listen the standard .NET ways.</summary>
public sealed class HostingConventionTests
{
    private const string Key = "conventions-key";

    [Theory]
    [InlineData("ASPNETCORE_URLS")]
    [InlineData("ASPNETCORE_HTTP_PORTS")]
    [InlineData("--urls")]
    public async Task The_api_listens_where_the_standard_setting_says(string setting)
    {
        var port = FreePort();
        var environment = new Dictionary<string, string>
        {
            ["CallGrains__Embedded__SiloPort"] = Text(FreePort()),
            ["CallGrains__Embedded__GatewayPort"] = Text(FreePort()),
        };
        string[] args = [];
        switch (setting)
        {
            case "ASPNETCORE_URLS": environment[setting] = $"http://127.0.0.1:{port}"; break;
            case "ASPNETCORE_HTTP_PORTS": environment[setting] = Text(port); break;
            default: args = [$"--urls=http://127.0.0.1:{port}"]; break;
        }

        await using var api = Start(Role.Api, environment, args);

        await WaitUntilReadyAsync(new Uri($"http://127.0.0.1:{port}/"), () => api.Output);
    }

    [Fact]
    public async Task A_silo_serves_health_metrics_and_the_keyed_dashboard_on_its_own_port()
    {
        var url = new Uri($"http://127.0.0.1:{FreePort()}/");
        await using var silo = Start(Role.Silo, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = url.ToString().TrimEnd('/'),
            ["CallGrains__Cluster__SiloPort"] = Text(FreePort()),
            ["CallGrains__Cluster__GatewayPort"] = Text(FreePort()),
            ["CallGrains__ApiKeys__0"] = Key,
        });
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };

        await WaitUntilReadyAsync(url, () => silo.Output);
        var metrics = await http.GetStringAsync("metrics");
        using var anonymous = await http.GetAsync("dashboard");
        using var keyed = new HttpRequestMessage(HttpMethod.Get, "dashboard/") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Key) } };
        using var dashboard = await http.SendAsync(keyed);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health/live")).StatusCode);
        Assert.Contains("orleans_", metrics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
    }

    [Fact]
    public async Task With_the_json_console_formatter_a_request_log_line_is_json_carrying_its_trace_id()
    {
        var url = new Uri($"http://127.0.0.1:{FreePort()}/");
        await using var api = Start(Role.Api, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = url.ToString().TrimEnd('/'),
            ["CallGrains__Embedded__SiloPort"] = Text(FreePort()),
            ["CallGrains__Embedded__GatewayPort"] = Text(FreePort()),
            ["CallGrains__PushAuthentication__Apps__app1__Secret"] = "app-secret",
            ["Logging__Console__FormatterName"] = "json",
        });
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
        await WaitUntilReadyAsync(url, () => api.Output);

        // Unsigned while an app has a secret: refused, and the refusal is logged inside the request.
        using var refused = await http.PostAsync("v1/huawei/status", new StringContent(
            """{"eventType":"callout","statusInfo":{"sessionId":"json-log-1"}}""", System.Text.Encoding.UTF8, "application/json"));
        var line = await LogLineAsync(api, "Push signature not verified");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var entry = System.Text.Json.JsonDocument.Parse(line);
        var traceIds = entry.RootElement.GetProperty("Scopes").EnumerateArray()
            .Where(s => s.ValueKind == System.Text.Json.JsonValueKind.Object && s.TryGetProperty("TraceId", out _))
            .Select(s => s.GetProperty("TraceId").GetString()).ToList();
        Assert.Matches("^[0-9a-f]{32}$", Assert.Single(traceIds));
    }

    private static async Task<string> LogLineAsync(ServiceProcess process, string containing)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var line = process.Output.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith('{') && l.Contains(containing, StringComparison.Ordinal));
            if (line is not null) return line;
            await Task.Delay(200);
        }
        throw new TimeoutException($"no JSON log line with '{containing}':\n{process.Output}");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
