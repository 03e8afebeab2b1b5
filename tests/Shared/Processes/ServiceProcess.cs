using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using static CallGrains.Tests.Shared.LoopbackPorts;

namespace CallGrains.Tests.Shared;

/// <summary>
/// A CallGrains process started the way docker-compose.yml starts it: <c>dotnet &lt;role dll&gt;</c> with
/// configuration in environment variables. Killed with SIGKILL, never asked to stop.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    // Output kept for diagnostics: the last part only, so a chatty process (a log line per request) cannot fill memory.
    private const int MaxOutputChars = 1 << 20;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private long _outputLines;

    private ServiceProcess(Process process) => _process = process;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Lines the process has written so far (stdout and stderr), however many are still kept in <see cref="Output"/>.</summary>
    public long OutputLines => Interlocked.Read(ref _outputLines);

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    /// <summary>
    /// The garbage collector of a process that holds grains on PostgreSQL, as docker-compose.yml's <c>x-grain-host-gc</c>
    /// and the README's cluster commands set it: one workstation heap (memory per active call), collected in the
    /// background (no blocking full collection in the latency tail).
    /// </summary>
    public static IReadOnlyDictionary<string, string> GrainHostGc { get; } = new Dictionary<string, string>
    {
        ["DOTNET_gcServer"] = "0",
        ["DOTNET_gcConcurrent"] = "1",
    };

    public static ServiceProcess Start(Role role, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Start(DllOf(role), environment, args);

    /// <summary>Any built program of the repository (<see cref="BuiltDll"/>), started the same way.</summary>
    public static ServiceProcess Start(string dll, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var service = new ServiceProcess(process);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Runs a role to completion (e.g. the schema step) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(Role role, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        await using var service = Start(role, environment, args);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await service._process.WaitForExitAsync(timeout.Token);
        return (service._process.ExitCode, service.Output);
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing; whatever was acknowledged must already be durable.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        Interlocked.Increment(ref _outputLines);
        lock (_output)
        {
            _output.AppendLine(line);
            if (_output.Length > MaxOutputChars) _output.Remove(0, _output.Length - MaxOutputChars / 2);
        }
    }

    /// <summary>Polls the API's readiness until it answers 200; on timeout, fails with <paramref name="diagnostics"/> (the processes' output).</summary>
    public static async Task WaitUntilReadyAsync(Uri apiUrl, Func<string> diagnostics)
    {
        using var http = new HttpClient { BaseAddress = apiUrl, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await http.GetAsync("health/ready")).IsSuccessStatusCode) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            await Task.Delay(250);
        }
        throw new TimeoutException("CallGrains did not become ready.\n" + diagnostics());
    }

    public enum Role { Silo, Api }

    private static string DllOf(Role role)
    {
        var project = role == Role.Silo ? "Silo" : "Api";
        return BuiltDll(Path.Combine("src", project), $"CallGrains.{project}");
    }

    /// <summary>A project's program as built in the configuration and framework of the running one (a test or the bench).</summary>
    /// <param name="projectDirectory">Relative to the repository root, e.g. <c>src/Api</c>.</param>
    public static string BuiltDll(string projectDirectory, string assemblyName)
    {
        // The caller runs from <project>/bin/<configuration>/<tfm>/; the program was built alongside.
        var callerBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = callerBin.Name;
        var configuration = callerBin.Parent!.Name;
        var dll = Path.Combine(RepositoryRoot(), projectDirectory, "bin", configuration, tfm, assemblyName + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build {projectDirectory} first", dll);
    }

    /// <summary>The checkout the running program (a test or the bench) was built in: the directory of CallGrains.sln above it.</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CallGrains.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new DirectoryNotFoundException("CallGrains.sln not found above " + AppContext.BaseDirectory);
    }

}
