using Npgsql;
using Platform.Api.Infrastructure;

namespace Platform.Api.Jobs;

/// <summary>
/// The per-user guarantee in PostgreSQL: admission and dispatch both take the user's transaction-scoped advisory lock
/// before counting, so two replicas can never both see room for the same last slot.
/// </summary>
public static class UserJobCounts
{
    /// <summary>First key of pg_advisory_xact_lock(int, int): namespaces our per-user locks.</summary>
    private const int UserJobsLockNamespace = 7301;

    public static Task LockUserAsync(this NpgsqlConnection connection, NpgsqlTransaction transaction, string userId, CancellationToken ct) =>
        connection.ExecuteAsync(transaction, "SELECT pg_advisory_xact_lock(@ns, hashtext(@user))", ct, ("ns", UserJobsLockNamespace), ("user", userId));

    public static async Task<UsageCounts> CountAsync(this NpgsqlConnection connection, NpgsqlTransaction? transaction, string userId, CancellationToken ct)
    {
        await using var command = connection.Command(transaction,
            $"""
            SELECT count(*) FILTER (WHERE state IN {JobStateSql.RunningSlot})::int,
                   count(*) FILTER (WHERE state = {JobStateSql.Queued})::int
            FROM jobs WHERE owner_id = @user
            """,
            ("user", userId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new UsageCounts(reader.GetInt32(0), reader.GetInt32(1));
    }
}

/// <summary>PostgreSQL NOTIFY channel that wakes every replica's dispatcher (sent inside the transaction, delivered on commit).</summary>
public static class DispatchNotification
{
    public const string Channel = "platform_dispatch";

    public static Task NotifyDispatchersAsync(this NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct) =>
        connection.ExecuteAsync(transaction, $"SELECT pg_notify('{Channel}', '')", ct);
}
