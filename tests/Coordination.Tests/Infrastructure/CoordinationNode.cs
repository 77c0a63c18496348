using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Platform.Coordination.Tests.Infrastructure;

/// <summary>
/// One simulated replica: its own ConnectionMultiplexer and its own container with AddCoordination, as an Api or Scraper
/// process would have.
/// </summary>
public sealed class CoordinationNode : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private bool _crashed;

    private CoordinationNode(ConnectionMultiplexer redis, ServiceProvider services)
    {
        Redis = redis;
        _services = services;
        Semaphore = services.GetRequiredService<IDistributedSemaphore>();
        Lock = services.GetRequiredService<IDistributedLock>();
    }

    public ConnectionMultiplexer Redis { get; }

    public IDistributedSemaphore Semaphore { get; }

    public IDistributedLock Lock { get; }

    public IServiceProvider Services => _services;

    public IDatabase Db => Redis.GetDatabase();

    public static async Task<CoordinationNode> StartAsync(string connectionString, Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = new Dictionary<string, string?>();
        configure?.Invoke(settings);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        var options = ConfigurationOptions.Parse(connectionString);
        // Same stance as ServiceDefaults' RedisClientDefaults: keep reconnecting rather than failing; short timeouts for tests.
        options.AbortOnConnectFail = false;
        options.AllowAdmin = true;
        options.ConnectTimeout = 2000;
        options.AsyncTimeout = 2000;
        options.SyncTimeout = 2000;
        options.ReconnectRetryPolicy = new LinearRetry(200);
        var redis = await ConnectionMultiplexer.ConnectAsync(options);

        var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton<IConnectionMultiplexer>(redis)
            .AddCoordination(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        return new CoordinationNode(redis, services);
    }

    public static Action<Dictionary<string, string?>> Leases(TimeSpan lease, TimeSpan renew, TimeSpan? poll = null) => settings =>
    {
        settings["Coordination:LeaseDuration"] = lease.ToString();
        settings["Coordination:RenewInterval"] = renew.ToString();
        if (poll is { } p)
        {
            settings["Coordination:WaitPollInterval"] = p.ToString();
        }
    };

    /// <summary>Simulates a replica dying while it holds leases: its connection vanishes without any release.</summary>
    public async Task CrashAsync()
    {
        _crashed = true;
        await Redis.CloseAsync(allowCommandsToComplete: false);
        await _services.DisposeAsync();
    }

    /// <summary>Waits until the multiplexer has (re)connected, e.g. after a Redis restart.</summary>
    public async Task WaitConnectedAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Redis.IsConnected)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Redis did not reconnect");
            }
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_crashed)
        {
            await _services.DisposeAsync();
        }
        await Redis.DisposeAsync();
    }
}

public static class RedisAssertions
{
    public static async Task<long> SubscribersAsync(this CoordinationNode node, string channel)
    {
        var reply = (RedisResult[])(await node.Db.ExecuteAsync("PUBSUB", "NUMSUB", channel))!;
        return (long)reply[1];
    }

    /// <summary>Polls until the channel has the expected subscriber count (waiters subscribe before they sleep).</summary>
    public static async Task WaitForSubscribersAsync(this CoordinationNode node, string channel, long expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await node.SubscribersAsync(channel) != expected)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{channel} did not reach {expected} subscribers");
            }
            await Task.Delay(10);
        }
    }

    public static async Task<long> ScriptCallsAsync(this CoordinationNode node)
    {
        var info = (string)(await node.Db.ExecuteAsync("INFO", "commandstats"))!;
        long calls = 0;
        foreach (var line in info.Split('\n'))
        {
            if (line.StartsWith("cmdstat_eval", StringComparison.Ordinal))
            {
                var field = line.Split(',')[0];
                calls += long.Parse(field[(field.IndexOf('=') + 1)..]);
            }
        }
        return calls;
    }
}
