using Platform.Coordination;
using StackExchange.Redis;

namespace Platform.Api.Dispatch;

/// <summary>
/// Carries "cancel job X" to whichever replica executes it, over Redis pub/sub channel "platform:cancel". Fire and
/// forget: if Redis loses the message, the executor's next lease renewal sees the job's 'cancelling' state instead.
/// </summary>
public sealed class CancelSignals(IConnectionMultiplexer redis, ExecutingJobs executing, ILogger<CancelSignals> logger) : BackgroundService
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("platform:cancel");

    public async Task PublishAsync(Guid jobId)
    {
        // The executor may be right here: no need for the round trip.
        executing.Find(jobId)?.Stop(StopReason.Cancelled);
        try
        {
            await redis.GetSubscriber().PublishAsync(Channel, jobId.ToString());
        }
        catch (Exception ex) when (RedisFailures.IsFailure(ex))
        {
            logger.LogWarning(ex, "Could not publish cancel of job {JobId}; the executor will see it at its next lease renewal.", jobId);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // StackExchange.Redis re-subscribes by itself after a reconnect (including a Redis restart).
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await redis.GetSubscriber().SubscribeAsync(Channel, (_, message) =>
                {
                    if (Guid.TryParse(message.ToString(), out var jobId))
                    {
                        executing.Find(jobId)?.Stop(StopReason.Cancelled);
                    }
                });
                return;
            }
            catch (Exception ex) when (RedisFailures.IsFailure(ex))
            {
                logger.LogWarning(ex, "Subscribing to {Channel} failed; retrying.", Channel);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await redis.GetSubscriber().UnsubscribeAsync(Channel).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
