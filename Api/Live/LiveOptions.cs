using System.ComponentModel.DataAnnotations;
using Platform.Api.Jobs;

namespace Platform.Api.Live;

/// <summary>Section "Live": the jobs hub, its per-connection bounds and the path from the publisher to the backplane.</summary>
public sealed class LiveOptions
{
    public const string Section = "Live";

    /// <summary>SubscribeJob answers with a snapshot instead of events when more than this many events are missing.</summary>
    [Range(1, JobQueries.MaxEventsPerPage)] public int SnapshotThreshold { get; set; } = 500;

    /// <summary>Jobs one connection may watch at once (its groups); a page shows a few dozen at most.</summary>
    [Range(1, 10_000)] public int MaxJobSubscriptionsPerConnection { get; set; } = 500;

    /// <summary>How often the server pings an idle connection. Clients' server timeout (30 s by default) must be at least twice this.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")] public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A client silent this long is dropped; at least twice the clients' own ping interval (15 s by default).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")] public TimeSpan ClientTimeoutInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Unacknowledged bytes the server keeps per connection for stateful reconnect. Beyond it, sends to that connection
    /// wait for the client's acknowledgement (SignalR's backpressure), so it bounds each connection's memory.
    /// </summary>
    [Range(1024, 64 * 1024 * 1024)] public long StatefulReconnectBufferSize { get; set; } = 256 * 1024;

    /// <summary>Longest wait for one publish to the Redis backplane; a slower one is counted as failed and the event is left to catch-up.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")] public TimeSpan BackplaneSendTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Users whose job-list change and usage wait to be sent (each user once, with all its pending changes).</summary>
    [Range(16, 1_000_000)] public int UserEventQueueCapacity { get; set; } = 4096;
}
