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

    private const string Lock = "SELECT pg_advisory_xact_lock(@ns, hashtext(@user));";

    public static Task LockUserAsync(this NpgsqlConnection connection, NpgsqlTransaction transaction, string userId, CancellationToken ct) =>
        connection.ExecuteAsync(transaction, Lock, ct, ("ns", UserJobsLockNamespace), ("user", userId));

    /// <summary>
    /// Only the user's unfinished jobs are read (the partial index <c>ix_jobs_unfinished_by_owner</c>, which holds no
    /// other): what a user finished before — a whole site captured yesterday — costs nothing on each submit, claim and
    /// usage notice today.
    /// </summary>
    internal static readonly string Count =
        $"""
        SELECT count(*) FILTER (WHERE state IN {JobStateSql.RunningSlot})::int,
               count(*) FILTER (WHERE state = {JobStateSql.Queued})::int
        FROM jobs WHERE owner_id = @user AND state IN {JobStateSql.Unfinished};
        """;

    public static async Task<UsageCounts> CountAsync(this NpgsqlConnection connection, NpgsqlTransaction? transaction, string userId, CancellationToken ct)
    {
        await using var command = connection.Command(transaction, Count, ("user", userId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await ReadCountsAsync(reader, ct);
    }

    /// <summary>
    /// The user's lock, then the count under it, in one round trip (both statements in one batch: the count runs after the
    /// lock is granted, with its own snapshot). <paramref name="also"/>: one more single-value statement run after them
    /// under the lock, its value returned too.
    /// </summary>
    public static async Task<(UsageCounts Usage, T? Also)> LockAndCountAsync<T>(
        this NpgsqlConnection connection, NpgsqlTransaction transaction, string userId, string? also, CancellationToken ct)
    {
        await using var command = connection.Command(transaction, Lock + Count + (also ?? ""), ("ns", UserJobsLockNamespace), ("user", userId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct); // past the lock's row
        var usage = await ReadCountsAsync(reader, ct);
        var value = default(T);
        if (also is not null && await reader.NextResultAsync(ct) && await reader.ReadAsync(ct) && !reader.IsDBNull(0))
        {
            value = reader.GetFieldValue<T>(0);
        }
        return (usage, value);
    }

    public static async Task<UsageCounts> LockAndCountAsync(this NpgsqlConnection connection, NpgsqlTransaction transaction, string userId, CancellationToken ct) =>
        (await connection.LockAndCountAsync<bool>(transaction, userId, also: null, ct)).Usage;

    private static async Task<UsageCounts> ReadCountsAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
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
