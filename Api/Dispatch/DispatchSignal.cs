using System.Threading.Channels;
using Npgsql;
using Platform.Api.Jobs;

namespace Platform.Api.Dispatch;

/// <summary>Wakes this replica's dispatcher. Many wake-ups before it looks collapse into one (a channel of capacity 1).</summary>
public sealed class DispatchSignal
{
    private readonly Channel<bool> _wakeUps = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => _wakeUps.Writer.TryWrite(true);

    /// <summary>Waits for a wake-up or the safety-net poll interval, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan poll, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(poll);
        try
        {
            await _wakeUps.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
    }
}

/// <summary>
/// Wakes every replica's dispatcher (NOTIFY on <see cref="DispatchNotification.Channel"/>) when capacity frees before a
/// job ends: a capture released its host slot and page while the job's text formats still run.
/// </summary>
public sealed class DispatchNotifier(NpgsqlDataSource dataSource, DispatchSignal signal, ILogger<DispatchNotifier> logger)
{
    /// <summary>Capacity freed that only this replica's dispatcher needs to hear of now (the others hear it with the job's end).</summary>
    public void CapacityFreedHere() => signal.Wake();

    public async Task CapacityFreedAsync()
    {
        signal.Wake();
        try
        {
            await using var notify = dataSource.CreateCommand($"SELECT pg_notify('{DispatchNotification.Channel}', '')");
            await notify.ExecuteNonQueryAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // The other replicas' safety poll picks the capacity up instead.
            logger.LogDebug(ex, "Capacity-freed notification not sent.");
        }
    }
}

/// <summary>
/// Holds one PostgreSQL connection in LISTEN on <see cref="DispatchNotification.Channel"/> and turns every NOTIFY
/// (submit, retry, requeue, a finished job freeing its user's slot) into a wake-up. Reconnects with a pause on error and
/// wakes the dispatcher after reconnecting, in case it missed a notification meanwhile.
/// </summary>
public sealed class DispatchNotificationListener(NpgsqlDataSource dataSource, DispatchSignal signal, ILogger<DispatchNotificationListener> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => signal.Wake();
                await using (var listen = new NpgsqlCommand($"LISTEN {DispatchNotification.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                signal.Wake();
                while (!stoppingToken.IsCancellationRequested)
                {
                    // The timeout makes a silently dead connection surface as an error on the next round trip.
                    if (!await connection.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Dispatch LISTEN connection lost; reconnecting.");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
