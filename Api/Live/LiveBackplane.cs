using StackExchange.Redis;

namespace Platform.Api.Live;

/// <summary>
/// The SignalR Redis backplane's own connection: the same server as ConnectionStrings:redis, but a separate multiplexer
/// so heavy fan-out never queues behind (or in front of) the lease and semaphore commands on the shared one, and with
/// channel prefix "platform:" so every SignalR channel is namespaced like the rest of our Redis pub/sub.
/// SignalR's lifetime manager owns (and disposes) the connection; this holder lets the sink see whether it is up.
/// </summary>
public sealed class LiveBackplane(IConfiguration configuration)
{
    public static readonly RedisChannel ChannelPrefix = RedisChannel.Literal("platform:");

    private Task<IConnectionMultiplexer>? _connection;

    /// <summary>False while Redis is unreachable: the sink then fails fast instead of waiting on a backlog of publishes.</summary>
    public bool IsConnected => _connection is { IsCompletedSuccessfully: true } c && c.Result.IsConnected;

    public ConfigurationOptions Options()
    {
        var connectionString = configuration.GetConnectionString("redis")
            ?? throw new InvalidOperationException("ConnectionStrings:redis is required for the SignalR backplane.");
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        options.ChannelPrefix = ChannelPrefix;
        options.ClientName = $"{Environment.MachineName}-{Environment.ProcessId}-signalr";
        return options;
    }

    /// <summary>RedisOptions.ConnectionFactory: connects once; SignalR calls it once per hub lifetime manager.</summary>
    public Task<IConnectionMultiplexer> ConnectAsync(TextWriter log) =>
        LazyInitializer.EnsureInitialized(ref _connection, () => ConnectCoreAsync(log));

    private async Task<IConnectionMultiplexer> ConnectCoreAsync(TextWriter log) =>
        await ConnectionMultiplexer.ConnectAsync(Options(), log);
}
