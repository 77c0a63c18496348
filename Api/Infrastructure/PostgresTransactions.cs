using Npgsql;
using Polly;
using Polly.Retry;

namespace Platform.Api.Infrastructure;

/// <summary>
/// Runs the engine's hand-written SQL (claims, fenced writes, state changes) in one transaction each, retried as a
/// whole on transient PostgreSQL errors (connection reset, failover, serialization), so every body must be safe to rerun.
/// </summary>
public sealed class PostgresTransactions(NpgsqlDataSource dataSource)
{
    private static readonly ResiliencePipeline Retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(ex => ex.IsTransient),
            MaxRetryAttempts = 4,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(100),
        })
        .Build();

    public NpgsqlDataSource DataSource => dataSource;

    public async Task<T> RunAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        return await Retry.ExecuteAsync(async token =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(token);
            await using var transaction = await connection.BeginTransactionAsync(token);
            var result = await work(connection, transaction, token);
            await transaction.CommitAsync(token);
            return result;
        }, ct);
    }

    public Task RunAsync(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task> work, CancellationToken ct) =>
        RunAsync<bool>(async (c, t, token) => { await work(c, t, token); return true; }, ct);
}

/// <summary>Small helpers so the SQL stays readable at the call site.</summary>
public static class NpgsqlCommandExtensions
{
    public static NpgsqlCommand Command(this NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }

    public static async Task<int> ExecuteAsync(this NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task<T?> ScalarAsync<T>(this NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(transaction, sql, parameters);
        var value = await command.ExecuteScalarAsync(ct);
        return value is null or DBNull ? default : (T)value;
    }
}
