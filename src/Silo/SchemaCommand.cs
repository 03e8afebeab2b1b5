using CallGrains.Hosting;
using CallGrains.Postgres.Schema;
using Microsoft.Extensions.Configuration;

namespace CallGrains.Silo;

/// <summary><c>CallGrains.Silo migrate</c>: applies db/ to the database in ConnectionStrings:CallGrains. Safe to run twice and while silos run.</summary>
public static class SchemaCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .Build();
        var connectionString = configuration.GetConnectionString(ClusterSettings.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            await Console.Error.WriteLineAsync($"migrate: set ConnectionStrings:{ClusterSettings.ConnectionStringName} (environment ConnectionStrings__{ClusterSettings.ConnectionStringName}).");
            return 2;
        }
        return await SchemaMigrator.RunAsync(connectionString, Console.Out);
    }
}
