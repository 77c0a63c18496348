using System.Diagnostics.Metrics;

namespace Platform.Api.Live;

/// <summary>
/// The hub's side of Meter "Platform.Live" (the publisher owns the queue instruments on the same meter):
/// connections, subscriptions, subscribe answers, delivery to the backplane and user events.
/// </summary>
public sealed class LiveMetrics
{
    public const string MeterName = "Platform.Live";

    /// <summary>Live latencies are milliseconds to seconds: resolve the 50 ms aim and the seconds of an overload.</summary>
    public static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public static readonly InstrumentAdvice<double> LatencyAdvice = new() { HistogramBucketBoundaries = LatencyBuckets };

    private readonly UpDownCounter<long> _connections;
    private readonly UpDownCounter<long> _jobSubscriptions;
    private readonly Counter<long> _subscribes;
    private readonly Histogram<double> _subscribeDuration;
    private readonly Histogram<double> _appendToBackplane;
    private readonly Counter<long> _backplaneFailures;
    private readonly Counter<long> _userEvents;
    private readonly Counter<long> _userEventsDropped;

    public LiveMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _connections = meter.CreateUpDownCounter<long>("platform.live.connections", "{connection}", "SignalR connections open on this replica's jobs hub");
        _jobSubscriptions = meter.CreateUpDownCounter<long>("platform.live.job_subscriptions", "{subscription}", "Job groups joined by this replica's connections");
        _subscribes = meter.CreateCounter<long>("platform.live.subscribes", "{call}", "SubscribeJob answers, by result (events, snapshot, not_found)");
        _subscribeDuration = meter.CreateHistogram<double>("platform.live.subscribe.duration", "s", "Time to join a job's group and read its missed events",
            tags: null, advice: LatencyAdvice);
        _appendToBackplane = meter.CreateHistogram<double>("platform.live.events.append_to_backplane", "s",
            "From the event's append (its 'at') to its publish on the backplane, per event", tags: null, advice: LatencyAdvice);
        _backplaneFailures = meter.CreateCounter<long>("platform.live.backplane.failures", "{event}", "Publishes to the backplane that failed or timed out, by reason");
        _userEvents = meter.CreateCounter<long>("platform.live.user_events", "{event}", "User events sent, by type");
        _userEventsDropped = meter.CreateCounter<long>("platform.live.user_events.dropped", "{user}",
            "Users whose job-list notification was dropped because the user queue was full (the SPA refreshes on reconnect)");
    }

    public void ConnectionOpened() => _connections.Add(1);

    public void ConnectionClosed(int subscriptions)
    {
        _connections.Add(-1);
        _jobSubscriptions.Add(-subscriptions);
    }

    public void JobSubscribed() => _jobSubscriptions.Add(1);

    public void JobUnsubscribed() => _jobSubscriptions.Add(-1);

    public void Subscribe(string result, TimeSpan duration)
    {
        _subscribes.Add(1, new KeyValuePair<string, object?>("result", result));
        _subscribeDuration.Record(duration.TotalSeconds);
    }

    public void Published(DateTimeOffset at, DateTimeOffset now) => _appendToBackplane.Record(Math.Max(0, (now - at).TotalSeconds));

    public void BackplaneFailed(string reason) => _backplaneFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void UserEventSent(string type) => _userEvents.Add(1, new KeyValuePair<string, object?>("type", type));

    public void UserEventDropped() => _userEventsDropped.Add(1);
}
