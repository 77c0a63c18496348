using System.Text.Json;
using StackExchange.Redis;

namespace Platform.Api.Live;

/// <summary>
/// Publishes each event as JSON <c>{jobId, ownerId, seq, type, at, data}</c> on Redis channel "platform:job-events",
/// for every replica. Fire-and-forget: the multiplexer pipelines the messages in order on one connection instead of
/// a round trip per event; an event lost with Redis is still in the stored log.
/// </summary>
public sealed class RedisJobEventSink(IConnectionMultiplexer redis) : IJobEventSink
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("platform:job-events");

    public Task SendAsync(JobEventMessage jobEvent, CancellationToken cancellationToken) =>
        redis.GetSubscriber().PublishAsync(Channel, JsonSerializer.Serialize(jobEvent, JsonSerializerOptions.Web), CommandFlags.FireAndForget);
}
