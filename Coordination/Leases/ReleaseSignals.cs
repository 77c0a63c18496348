using StackExchange.Redis;

namespace Platform.Coordination;

/// <summary>
/// Pub/sub wake-ups for waiters. One Redis subscription per channel that has local waiters, shared by them and dropped
/// when the last one leaves. Each release message wakes one local waiter, oldest first, so a release costs one attempt
/// per replica instead of one per waiter. Owned by <see cref="RedisLeases"/>; bounded by the local waiters; every
/// structure here is guarded by <see cref="_gate"/>.
/// </summary>
internal sealed class ReleaseSignals(IConnectionMultiplexer redis)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Channel> _channels = new(StringComparer.Ordinal);

    /// <summary>Joins the channel's waiters (subscribing if first) and returns once Redis has confirmed the subscription.</summary>
    public async Task<Waiter> JoinAsync(RedisChannel channel, CancellationToken ct)
    {
        Channel entry;
        Waiter waiter;
        lock (_gate)
        {
            var name = channel.ToString();
            if (!_channels.TryGetValue(name, out entry!))
            {
                entry = new Channel(name, channel);
                entry.Handler = (_, _) => WakeOne(entry);
                entry.Subscribed = redis.GetSubscriber().SubscribeAsync(channel, entry.Handler);
                _channels[name] = entry;
            }
            waiter = new Waiter(this, entry);
            entry.Waiters.AddLast(waiter.Node);
        }

        try
        {
            await entry.Subscribed.WaitAsync(ct);
            return waiter;
        }
        catch
        {
            waiter.Leave();
            throw;
        }
    }

    /// <summary>Number of channels this process is subscribed to for waiters (diagnostics).</summary>
    public int ActiveChannels
    {
        get { lock (_gate) { return _channels.Count; } }
    }

    private void WakeOne(Channel entry)
    {
        lock (_gate)
        {
            WakeOneLocked(entry);
        }
    }

    private static void WakeOneLocked(Channel entry)
    {
        // Skip waiters already woken and not yet back: the message is for one that is asleep.
        for (var node = entry.Waiters.First; node is not null; node = node.Next)
        {
            if (node.Value.TryWakeLocked())
            {
                return;
            }
        }
    }

    private void Leave(Waiter waiter)
    {
        var entry = waiter.Channel;
        lock (_gate)
        {
            entry.Waiters.Remove(waiter.Node);
            // Woken since its last attempt started and leaving anyway (granted by that attempt, timed out, cancelled): the
            // release may have been meant for someone else, so hand it on. At worst the next waiter tries once in vain.
            if (waiter.WokenLocked)
            {
                WakeOneLocked(entry);
            }
            if (entry.Waiters.Count > 0)
            {
                return;
            }
            _channels.Remove(entry.Name);
        }
        try
        {
            redis.GetSubscriber().Unsubscribe(entry.RedisChannel, entry.Handler, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (RedisFailures.IsFailure(ex) || ex is ObjectDisposedException)
        {
            // Redis gone or multiplexer disposed: the subscription went with it.
        }
    }

    internal sealed class Channel(string name, RedisChannel redisChannel)
    {
        public string Name { get; } = name;

        public RedisChannel RedisChannel { get; } = redisChannel;

        /// <summary>Kept so the exact delegate can be unsubscribed without touching other subscribers of the channel.</summary>
        public Action<RedisChannel, RedisValue> Handler { get; set; } = static (_, _) => { };

        public Task Subscribed { get; set; } = Task.CompletedTask;

        /// <summary>Local waiters, oldest first.</summary>
        public LinkedList<Waiter> Waiters { get; } = new();
    }

    /// <summary>One waiting acquire's place in its channel's queue.</summary>
    public sealed class Waiter
    {
        private readonly ReleaseSignals _owner;
        private TaskCompletionSource _signal = NewSignal();
        private int _left;

        internal Waiter(ReleaseSignals owner, Channel channel)
        {
            _owner = owner;
            Channel = channel;
            Node = new LinkedListNode<Waiter>(this);
        }

        internal Channel Channel { get; }

        internal LinkedListNode<Waiter> Node { get; }

        internal bool WokenLocked => _signal.Task.IsCompleted;

        /// <summary>
        /// Call before each attempt: the returned task completes at the next release meant for this waiter, including one
        /// that lands while the attempt runs.
        /// </summary>
        public Task Arm()
        {
            lock (_owner._gate)
            {
                if (_signal.Task.IsCompleted)
                {
                    _signal = NewSignal();
                }
                return _signal.Task;
            }
        }

        internal bool TryWakeLocked() => _signal.TrySetResult();

        /// <summary>Leaves the queue (idempotent), handing on a wake-up it has not used.</summary>
        public void Leave()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                _owner.Leave(this);
            }
        }

        // Continuations run asynchronously so a message handler never runs waiter code on the Redis reader thread.
        private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
