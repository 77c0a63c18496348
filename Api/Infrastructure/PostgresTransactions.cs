using System.Runtime.CompilerServices;
using Npgsql;
using Polly;
using Polly.Retry;

namespace Platform.Api.Infrastructure;

/// <summary>
/// Runs the engine's hand-written SQL (claims, fenced writes, state changes) in one transaction each, retried as a
/// whole on transient PostgreSQL errors (connection reset, failover, serialization). A body is never run again once its
/// commit may have happened: when the commit's answer is lost, the transaction's id decides (<c>pg_xact_status</c>):
/// committed → the body's result stands; aborted → retried; undecidable → <see cref="CommitOutcomeUnknownException"/>.
/// </summary>
public sealed class PostgresTransactions(NpgsqlDataSource dataSource, TimeProvider time)
{
    private static readonly ResiliencePipeline Retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(ex => ex.IsTransient),
            // Long enough to ride over a PostgreSQL restart (~10 s in the chaos suite): 0.1, 0.2, … 1.6 s, then every 2 s,
            // ~15 s in all. The server's port refuses at once while it is down (no proxy holds the connection), so fewer
            // tries would fail a write that only had to wait.
            MaxRetryAttempts = 10,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromSeconds(2),
        })
        .Build();

    /// <summary>How long a lost commit's outcome is looked for (the server may be restarting) before giving up.</summary>
    private static readonly TimeSpan OutcomeLookup = TimeSpan.FromSeconds(30);

    /// <summary>Ids of open transactions that a statement of their body already returned (see <see cref="KnowId"/>).</summary>
    private static readonly ConditionalWeakTable<NpgsqlTransaction, string> KnownIds = new();

    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>
    /// Records the transaction's id (<c>pg_current_xact_id()</c>) read by a statement the body ran anyway, so the commit
    /// does not ask for it in a round trip of its own (every event append returns it: one round trip less per write).
    /// </summary>
    public static void KnowId(NpgsqlTransaction transaction, string xid) => KnownIds.AddOrUpdate(transaction, xid);

    public async Task<T> RunAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        return await Retry.ExecuteAsync(async token =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(token);
            await using var transaction = await connection.BeginTransactionAsync(token);
            // Npgsql reuses a connection's transaction object: an id recorded for an earlier transaction must not be taken
            // for this one's.
            KnownIds.Remove(transaction);
            try
            {
                var result = await work(connection, transaction, token);
                var xid = KnownIds.TryGetValue(transaction, out var known)
                    ? known
                    : await connection.ScalarAsync<string>(transaction, "SELECT pg_current_xact_id()::text", token);
                try
                {
                    await transaction.CommitAsync(token);
                }
                catch (NpgsqlException lost) when (lost.IsTransient)
                {
                    // The COMMIT was sent; whether it happened is unknown. Rerunning the body could write everything twice.
                    if (await CommittedAsync(xid!, lost, ct))
                    {
                        return result;
                    }
                    throw; // aborted: nothing was written, so the whole transaction may run again
                }
                return result;
            }
            finally
            {
                KnownIds.Remove(transaction);
            }
        }, ct);
    }

    /// <summary>
    /// A read outside any transaction: no BEGIN, no transaction id, no commit (a read-only transaction that took an id
    /// would write a commit record). Each statement sees its own snapshot, as it would under READ COMMITTED in a
    /// transaction; retried as a whole on transient errors, which a read may always be.
    /// </summary>
    public async Task<T> ReadAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> read, CancellationToken ct) =>
        await Retry.ExecuteAsync(async token =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(token);
            return await read(connection, token);
        }, ct);

    public Task RunAsync(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task> work, CancellationToken ct) =>
        RunAsync<bool>(async (c, t, token) => { await work(c, t, token); return true; }, ct);

    /// <summary>Asks the server what became of transaction <paramref name="xid"/>, on a new connection, until it knows.</summary>
    private async Task<bool> CommittedAsync(string xid, NpgsqlException lost, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + OutcomeLookup;
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT pg_xact_status(@xid::xid8)");
                command.Parameters.AddWithValue("xid", xid);
                switch (await command.ExecuteScalarAsync(ct) as string)
                {
                    case "committed":
                        return true;
                    case "aborted":
                        return false;
                    // "in progress": the server has not yet seen the commit or the broken connection; null: unknowable.
                    case null:
                        throw new CommitOutcomeUnknownException(xid, lost);
                }
            }
            catch (NpgsqlException ex) when (ex.IsTransient)
            {
                // The server may be restarting; keep asking until the deadline.
            }
            if (time.GetUtcNow() > deadline)
            {
                throw new CommitOutcomeUnknownException(xid, lost);
            }
            await Task.Delay(delay, ct);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }
}

/// <summary>A commit was sent but whether it happened could not be learned; the body is not run again (it may have committed).</summary>
public sealed class CommitOutcomeUnknownException(string xid, Exception inner)
    : Exception($"The outcome of the commit of transaction {xid} is unknown; it was not retried.", inner);

/// <summary>Small helpers so the SQL stays readable at the call site.</summary>
public static class NpgsqlCommandExtensions
{
    public static NpgsqlCommand Command(this NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }

    public static async Task<int> ExecuteAsync(this NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task<T?> ScalarAsync<T>(this NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(transaction, sql, parameters);
        var value = await command.ExecuteScalarAsync(ct);
        return value is null or DBNull ? default : (T)value;
    }
}
