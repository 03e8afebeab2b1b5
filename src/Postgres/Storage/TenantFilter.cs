using System.Text;
using CallGrains.Storage;
using Npgsql;
using NpgsqlTypes;

namespace CallGrains.Postgres.Storage;

/// <summary>The SQL form of <see cref="TenantScope.Owns"/>, shared by every query a tenant's key can reach.</summary>
internal static class TenantFilter
{
    /// <summary>
    /// Adds "the row's user_data starts with one of the tenant's prefixes" (a null user_data belongs to no tenant);
    /// nothing for a query without a scope. The prefixes travel as one array parameter.
    /// </summary>
    public static void Append(StringBuilder sql, IList<NpgsqlParameter> parameters, TenantScope? tenant, string column = "user_data")
    {
        if (tenant is null) return;
        parameters.Add(new NpgsqlParameter<string[]>
        {
            TypedValue = [.. tenant.UserDataPrefixes],
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
        });
        sql.Append($" AND EXISTS (SELECT FROM unnest(${parameters.Count}::text[]) AS tenant(prefix) WHERE starts_with({column}, tenant.prefix))");
    }
}
