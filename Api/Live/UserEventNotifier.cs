using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Platform.Api.Jobs;

namespace Platform.Api.Live;

/// <summary>
/// Tells a user's open tabs (group "user:{id}") that their job list changed, then their usage — once per burst: while a
/// user waits in the queue, further changes of theirs join the pending set (latest state per job), so ten jobs finishing
/// together cost one usage query. Owner: one per replica, for the job.state events this replica produced (so each is
/// sent exactly once cluster-wide). Bound: Live:UserEventQueueCapacity users; beyond it a user's notice is dropped and
/// counted (the SPA refetches the list and usage after every reconnect). Metric: platform.live.user_events[.dropped].
/// </summary>
public sealed class UserEventNotifier : BackgroundService
{
    private readonly Channel<string> _users;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Dictionary<Guid, JobChange>> _pending = new(StringComparer.Ordinal);
    private readonly IHubContext<JobsHub> _hub;
    private readonly IServiceScopeFactory _scopes;
    private readonly LiveBackplane _backplane;
    private readonly IOptionsMonitor<LiveOptions> _options;
    private readonly LiveMetrics _metrics;
    private readonly ILogger<UserEventNotifier> _logger;

    public UserEventNotifier(IHubContext<JobsHub> hub, IServiceScopeFactory scopes, LiveBackplane backplane,
        IOptionsMonitor<LiveOptions> options, LiveMetrics metrics, ILogger<UserEventNotifier> logger)
    {
        _hub = hub;
        _scopes = scopes;
        _backplane = backplane;
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _users = Channel.CreateBounded<string>(new BoundedChannelOptions(options.CurrentValue.UserEventQueueCapacity) { SingleReader = true });
    }

    /// <summary>Called with every job.state event this replica pushes; never blocks.</summary>
    public void JobChanged(JobEventMessage jobEvent)
    {
        var state = jobEvent.Data.TryGetProperty("state", out var s) ? s.GetString() ?? "" : "";
        var change = new JobChange(jobEvent.JobId, state, jobEvent.Seq, jobEvent.At);
        lock (_lock)
        {
            if (_pending.TryGetValue(jobEvent.OwnerId, out var changes))
            {
                if (!changes.TryGetValue(change.Id, out var queued) || queued.Seq < change.Seq)
                {
                    changes[change.Id] = change;
                }
                return;
            }
            if (!_users.Writer.TryWrite(jobEvent.OwnerId))
            {
                _metrics.UserEventDropped();
                return;
            }
            _pending[jobEvent.OwnerId] = new Dictionary<Guid, JobChange> { [change.Id] = change };
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var userId in _users.Reader.ReadAllAsync(stoppingToken))
        {
            Dictionary<Guid, JobChange>? changes;
            lock (_lock)
            {
                _pending.Remove(userId, out changes);
            }
            if (changes is null)
            {
                continue;
            }
            try
            {
                await NotifyAsync(userId, changes.Values, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                _metrics.BackplaneFailed(ex is TimeoutException ? "timeout" : "error");
                _logger.LogDebug(ex, "User event for {UserId} not sent.", userId);
            }
        }
    }

    private async Task NotifyAsync(string userId, IEnumerable<JobChange> changes, CancellationToken ct)
    {
        if (!_backplane.IsConnected)
        {
            _metrics.BackplaneFailed("disconnected");
            return;
        }
        UsageView usage;
        await using (var scope = _scopes.CreateAsyncScope())
        {
            // Read after the change committed, so the counts include it.
            usage = await scope.ServiceProvider.GetRequiredService<JobQueries>().UsageAsync(userId, ct);
        }
        var timeout = _options.CurrentValue.BackplaneSendTimeout;
        var group = _hub.Clients.Group(LiveWire.UserGroup(userId));
        foreach (var change in changes.OrderBy(c => c.At).ThenBy(c => c.Seq))
        {
            await group.SendAsync(LiveWire.UserEvent, new UserEvent(UserEventTypes.JobChanged, change), ct).WaitAsync(timeout, ct);
            _metrics.UserEventSent(UserEventTypes.JobChanged);
        }
        await group.SendAsync(LiveWire.UserEvent, new UserEvent(UserEventTypes.Usage, usage), ct).WaitAsync(timeout, ct);
        _metrics.UserEventSent(UserEventTypes.Usage);
    }
}
