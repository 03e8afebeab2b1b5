using System.Text.Json;
using CallGrains.Tests.Shared;

namespace CallGrains.Cluster.Tests;

/// <summary>
/// The cluster tests and the bench run nodes with <see cref="ServiceProcess.GrainHostGc"/> because docker-compose.yml and
/// the README's cluster commands do: if those change, what the tests and the bench measure must change with them.
/// </summary>
public sealed class GrainHostGcTests
{
    private static readonly string Root = ServiceProcess.RepositoryRoot();

    [Fact]
    public void Compose_gives_every_process_that_holds_grains_the_garbage_collector_the_tests_and_the_bench_use()
    {
        var compose = File.ReadAllText(Path.Combine(Root, "docker-compose.yml"));
        foreach (var (key, value) in ServiceProcess.GrainHostGc) Assert.Contains($"{key}: \"{value}\"", compose);
        // The nodes (x-node, node1 and node2) and the grain-only silo; not the schema step or the API tier.
        Assert.Equal(2, Occurrences(compose, "<<: [*callgrains-env, *grain-host-gc]"));
    }

    [Fact]
    public void The_readme_cluster_commands_set_the_same_garbage_collector()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var exported = string.Join(' ', ServiceProcess.GrainHostGc.Select(p => $"{p.Key}={p.Value}"));
        Assert.Contains($"export {exported}", readme);
    }

    [Fact]
    public void The_node_program_itself_asks_for_one_heap_collected_in_the_background_however_it_is_started()
    {
        // Embedded from the README's dotnet run has none of the variables above: the program's own runtimeconfig decides.
        var dll = ServiceProcess.BuiltDll(Path.Combine("src", "Api"), "CallGrains.Api");
        using var config = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(dll, ".runtimeconfig.json")));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.False(properties.GetProperty("System.GC.Server").GetBoolean());
        Assert.True(properties.GetProperty("System.GC.Concurrent").GetBoolean());
    }

    private static int Occurrences(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;
}
