using Npgsql;
using StackExchange.Redis;

namespace Platform.AppHost.Orchestration;

/// <summary>One health check attempt per call; a resource that does not answer within <see cref="AttemptTimeout"/> is not healthy.</summary>
internal static class HealthProbes
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(3);

    // Loopback only; never through a proxy configured in the environment.
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>ServiceDefaults' /health: 200 only when every dependency check passes.</summary>
    public static Func<CancellationToken, Task<bool>> Http200(Uri baseUrl)
    {
        var health = new Uri(baseUrl, "health");
        return async ct =>
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
            attempt.CancelAfter(AttemptTimeout);
            try
            {
                using var response = await Http.GetAsync(health, attempt.Token);
                return response.IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                return false;
            }
        };
    }

    public static Func<CancellationToken, Task<bool>> RedisPing(string connectionString) => async ct =>
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 0;
        options.ConnectTimeout = options.SyncTimeout = options.AsyncTimeout = (int)AttemptTimeout.TotalMilliseconds;
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(options); // gives up after ConnectTimeout
            await redis.GetDatabase().PingAsync().WaitAsync(AttemptTimeout, ct);
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return false;
        }
    };

    /// <summary>Accepts a connection and answers a query (a paused server accepts nothing).</summary>
    public static Func<CancellationToken, Task<bool>> PostgresQuery(string connectionString) => async ct =>
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = (int)AttemptTimeout.TotalSeconds };
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(AttemptTimeout);
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(attempt.Token);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(attempt.Token);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return false;
        }
    };
}
