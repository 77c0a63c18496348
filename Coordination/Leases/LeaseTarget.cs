using StackExchange.Redis;

namespace Platform.Coordination;

/// <summary>Where a semaphore or lock lives in Redis: its lease set, its fencing counter (locks only) and its wake-up channel.</summary>
internal sealed class LeaseTarget
{
    public const string SemaphorePrimitive = "semaphore";
    public const string LockPrimitive = "lock";
    private const string SemaphorePrefix = "platform:sem:";
    private const string LockPrefix = "platform:lock:";
    private const string FenceSuffix = ":fence";

    /// <summary>The Redis epoch (see <see cref="LeaseScripts.Acquire"/>): made anew when Redis has forgotten every lease.</summary>
    public static readonly RedisKey EpochKey = "platform:coordination:epoch";

    private LeaseTarget(string primitive, string name, string setKey, string? fenceKey)
    {
        Primitive = primitive;
        Name = name;
        // Metrics are tagged with the kind only: the id after ':' (a user id, a host name) would make tags unbounded.
        Kind = name.IndexOf(':') is var colon and > 0 ? name[..colon] : name;
        SetKey = setKey;
        Keys = fenceKey is null ? [setKey, EpochKey] : [setKey, EpochKey, fenceKey];
        ReleasedChannel = RedisChannel.Literal(setKey + ":released");
    }

    public string Primitive { get; }

    public string Name { get; }

    public string Kind { get; }

    /// <summary>Sorted set: member = lease id, score = expiry in ms on the Redis server clock.</summary>
    public RedisKey SetKey { get; }

    /// <summary>The acquire script's keys: the lease set, the Redis epoch, then the fencing counter for locks.</summary>
    public RedisKey[] Keys { get; }

    public RedisChannel ReleasedChannel { get; }

    public static LeaseTarget ForSemaphore(string resource)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        return new LeaseTarget(SemaphorePrimitive, resource, SemaphorePrefix + resource, fenceKey: null);
    }

    public static LeaseTarget ForLock(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.EndsWith(FenceSuffix, StringComparison.Ordinal))
        {
            // "x:fence" would share its key with lock "x"'s fencing counter.
            throw new ArgumentException($"A lock name may not end with '{FenceSuffix}'.", nameof(name));
        }
        return new LeaseTarget(LockPrimitive, name, LockPrefix + name, LockPrefix + name + FenceSuffix);
    }
}
