using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Platform.Integration.Tests.Live;

/// <summary>
/// A client of /hubs/jobs that follows the client rule of DESIGN "Events and live progress" (the SPA's
/// live-connection.ts does the same): apply events in seq order, drop seqs already held, and when a seq is missing,
/// or after any reconnect, call SubscribeJob(jobId, lastSeq) again. It records what arrived so tests can check it.
/// </summary>
public sealed class LiveJobClient : IAsyncDisposable
{
    /// <summary>The gateway's response header naming the Api replica that answered (the negotiate request tells us where the connection lives).</summary>
    private const string ReplicaHeader = "X-Platform-Replica";

    private readonly ConcurrentDictionary<Guid, LiveJobStream> _streams = new();
    private readonly SemaphoreSlim _subscribeGate = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private int _reconnects;

    private LiveJobClient(string name) => Name = name;

    public string Name { get; }

    public HubConnection Connection { get; private set; } = null!;

    /// <summary>The replica the latest negotiate reached, when connected through the gateway.</summary>
    public string? Replica { get; private set; }

    public int Reconnects => Volatile.Read(ref _reconnects);

    public ConcurrentQueue<JsonElement> UserEvents { get; } = new();

    /// <summary>
    /// Connects to <paramref name="baseUrl"/>/hubs/jobs with the user's cookie: WebSockets, stateful reconnect, automatic
    /// reconnect forever; pings every second and gives the server <paramref name="serverTimeout"/> before calling it gone.
    /// </summary>
    public static async Task<LiveJobClient> ConnectAsync(string name, Uri baseUrl, CookieContainer cookies, CancellationToken ct, TimeSpan? serverTimeout = null)
    {
        var client = new LiveJobClient(name);
        client.Connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseUrl, "hubs/jobs"), options =>
            {
                options.Cookies = cookies;
                options.Transports = HttpTransportType.WebSockets;
                options.HttpMessageHandlerFactory = inner => new ReplicaRecorder(inner, replica => client.Replica = replica);
            })
            .WithAutomaticReconnect(new RetryForever())
            .WithStatefulReconnect()
            .WithKeepAliveInterval(TimeSpan.FromSeconds(1))
            .WithServerTimeout(serverTimeout ?? TimeSpan.FromSeconds(4))
            .Build();
        client.Connection.On<JsonElement>("jobEvent", client.OnJobEvent);
        client.Connection.On<JsonElement>("userEvent", e => client.UserEvents.Enqueue(e.Clone()));
        client.Connection.Reconnected += newConnectionId =>
        {
            Interlocked.Increment(ref client._reconnects);
            // A new connection has none of the old one's groups: resume every job from the seq we hold.
            _ = Task.Run(client.ResubscribeAllAsync);
            return Task.CompletedTask;
        };
        await client.Connection.StartAsync(ct);
        return client;
    }

    public LiveJobStream Stream(Guid jobId) => _streams.GetOrAdd(jobId, id => new LiveJobStream(id));

    /// <summary>SubscribeJob(jobId, lastSeq held) and applies the answer; returns it as received.</summary>
    public async Task<JsonElement> SubscribeAsync(Guid jobId, CancellationToken ct)
    {
        var stream = Stream(jobId);
        await _subscribeGate.WaitAsync(ct);
        try
        {
            stream.Subscribing();
            JsonElement answer;
            try
            {
                answer = await Connection.InvokeAsync<JsonElement>("SubscribeJob", jobId, stream.LastSeq, ct);
            }
            catch
            {
                stream.SubscribeFailed();
                throw;
            }
            if (stream.ApplyAnswer(answer))
            {
                _ = Task.Run(() => ResubscribeAsync(jobId));
            }
            return answer;
        }
        finally
        {
            _subscribeGate.Release();
        }
    }

    public Task<JsonElement> SubscribeUserAsync(CancellationToken ct) => Connection.InvokeAsync<JsonElement>("SubscribeUser", ct);

    /// <summary>Every jobEvent this connection received, subscribed or not (a user must never receive another's).</summary>
    public int EventsReceived => Volatile.Read(ref _eventsReceived);

    private int _eventsReceived;

    private void OnJobEvent(JsonElement raw)
    {
        Interlocked.Increment(ref _eventsReceived);
        var jobId = raw.GetProperty("jobId").GetGuid();
        if (!_streams.TryGetValue(jobId, out var stream))
        {
            return;
        }
        if (stream.ApplyLive(raw.Clone()))
        {
            // A seq is missing: ask again from the last one we hold (never from inside a handler: it would block receiving).
            _ = Task.Run(() => ResubscribeAsync(jobId));
        }
    }

    private async Task ResubscribeAllAsync()
    {
        foreach (var jobId in _streams.Keys)
        {
            await ResubscribeAsync(jobId);
        }
    }

    private async Task ResubscribeAsync(Guid jobId)
    {
        for (var attempt = 0; attempt < 100 && !_disposed.IsCancellationRequested; attempt++)
        {
            try
            {
                Stream(jobId).Resubscribed();
                await SubscribeAsync(jobId, _disposed.Token);
                return;
            }
            catch (Exception) when (!_disposed.IsCancellationRequested)
            {
                // The connection is reconnecting; its Reconnected handler resubscribes, but keep trying in case it is up.
                await Task.Delay(250, _disposed.Token);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        await Connection.DisposeAsync();
    }

    private sealed class RetryForever : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) => TimeSpan.FromMilliseconds(retryContext.PreviousRetryCount == 0 ? 0 : 250);
    }

    /// <summary>Records which replica answered, and gives up on a negotiate after 5 s (a paused replica would hold it for 100 s).</summary>
    private sealed class ReplicaRecorder(HttpMessageHandler inner, Action<string> record) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var response = await base.SendAsync(request, timeout.Token);
            if (response.Headers.TryGetValues(ReplicaHeader, out var values))
            {
                record(values.First());
            }
            return response;
        }
    }
}

/// <summary>One job as a client holds it: the events applied (in seq order, each once) and what it took to get them.</summary>
public sealed class LiveJobStream(Guid jobId)
{
    private readonly Lock _lock = new();
    private readonly List<JsonElement> _applied = [];
    private readonly List<long> _liveArrivals = [];
    private readonly SortedDictionary<long, JsonElement> _early = [];
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastSeq;

    public Guid JobId { get; } = jobId;

    public long LastSeq
    {
        get { lock (_lock) { return _lastSeq; } }
    }

    /// <summary>Live pushes that repeated a seq already held (normal around a subscribe: the answer and the push overlap).</summary>
    public int Duplicates { get; private set; }

    /// <summary>
    /// Live pushes that arrived ahead of a missing seq while no subscribe was in flight. (During a subscribe, pushes
    /// can overtake its answer — the server joins the group before reading — so those wait for the answer instead.)
    /// </summary>
    public int Gaps { get; private set; }

    private bool _subscribing;

    public int Snapshots { get; private set; }

    public int Resubscribes { get; private set; }

    public IReadOnlyList<JsonElement> Applied
    {
        get { lock (_lock) { return [.. _applied]; } }
    }

    public IReadOnlyList<long> AppliedSeqs => [.. Applied.Select(e => e.GetProperty("seq").GetInt64())];

    /// <summary>Seqs in the order the server pushed them (answers excluded).</summary>
    public IReadOnlyList<long> LiveArrivals
    {
        get { lock (_lock) { return [.. _liveArrivals]; } }
    }

    public Task Finished => _finished.Task;

    public static bool IsFinal(string? state) => LiveUser.IsFinal(state);

    public void Subscribing()
    {
        lock (_lock)
        {
            _subscribing = true;
        }
    }

    public void SubscribeFailed()
    {
        lock (_lock)
        {
            _subscribing = false;
        }
    }

    public void Resubscribed()
    {
        lock (_lock)
        {
            Resubscribes++;
        }
    }

    /// <summary>Applies a pushed event; true when a seq before it is missing (the caller resubscribes).</summary>
    public bool ApplyLive(JsonElement jobEvent)
    {
        lock (_lock)
        {
            var seq = jobEvent.GetProperty("seq").GetInt64();
            _liveArrivals.Add(seq);
            if (seq <= _lastSeq)
            {
                Duplicates++;
                return false;
            }
            if (seq > _lastSeq + 1)
            {
                _early[seq] = jobEvent;
                if (_subscribing)
                {
                    return false;
                }
                Gaps++;
                return true;
            }
            Apply(jobEvent);
            return false;
        }
    }

    /// <summary>Applies a SubscribeJob answer; true when pushes wait beyond a seq that is still missing.</summary>
    public bool ApplyAnswer(JsonElement answer)
    {
        lock (_lock)
        {
            _subscribing = false;
            if (answer.TryGetProperty("snapshot", out var snapshot))
            {
                Snapshots++;
                _lastSeq = Math.Max(_lastSeq, snapshot.GetProperty("seq").GetInt64());
                if (IsFinal(snapshot.GetProperty("state").GetString()))
                {
                    _finished.TrySetResult();
                }
            }
            if (answer.TryGetProperty("events", out var events))
            {
                foreach (var jobEvent in events.EnumerateArray().Where(e => e.GetProperty("seq").GetInt64() > _lastSeq))
                {
                    Apply(jobEvent.Clone());
                }
            }
            DrainEarly();
            return _early.Count > 0;
        }
    }

    private void Apply(JsonElement jobEvent)
    {
        _applied.Add(jobEvent);
        _lastSeq = jobEvent.GetProperty("seq").GetInt64();
        if (jobEvent.GetProperty("type").GetString() == "job.state" && IsFinal(jobEvent.GetProperty("data").GetProperty("state").GetString()))
        {
            _finished.TrySetResult();
        }
        DrainEarly();
    }

    private void DrainEarly()
    {
        while (_early.Count > 0)
        {
            var (seq, jobEvent) = _early.First();
            if (seq > _lastSeq + 1)
            {
                return;
            }
            _early.Remove(seq);
            if (seq == _lastSeq + 1)
            {
                Apply(jobEvent);
                return;
            }
        }
    }
}
