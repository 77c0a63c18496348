using System.Diagnostics;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Platform.Api.Jobs;

namespace Platform.Api.Live;

/// <summary>
/// /hubs/jobs (DESIGN "Events and live progress"). A signed-in user watches their own jobs: SubscribeJob joins the job's
/// group first and only then reads the missed events, so nothing appended in between is lost (it may arrive twice:
/// once in the answer, once live; clients drop seqs they already hold). Another user's job does not exist here.
/// </summary>
[Authorize]
public sealed class JobsHub(JobQueries queries, IOptionsMonitor<LiveOptions> options, LiveMetrics metrics) : Hub
{
    /// <summary>The job groups this connection joined, for the per-connection bound and the subscription gauge.</summary>
    private HashSet<Guid> Subscriptions => (HashSet<Guid>)Context.Items[nameof(Subscriptions)]!;

    public override Task OnConnectedAsync()
    {
        Context.Items[nameof(Subscriptions)] = new HashSet<Guid>();
        metrics.ConnectionOpened();
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        // SignalR removes the connection from its groups itself.
        lock (Subscriptions)
        {
            metrics.ConnectionClosed(Subscriptions.Count);
        }
        return Task.CompletedTask;
    }

    /// <summary>Joins "job:{jobId}" and returns <c>{ events }</c> after <paramref name="afterSeq"/>, or <c>{ snapshot }</c> when too many are missing.</summary>
    public async Task<JobSubscription> SubscribeJob(Guid jobId, long afterSeq)
    {
        var started = Stopwatch.GetTimestamp();
        var userId = Context.User!.UserId();
        var ct = Context.ConnectionAborted;
        var settings = options.CurrentValue;
        afterSeq = Math.Max(0, afterSeq);

        // Ownership before the join, so another user's connection never sits in the group even for a moment. The
        // engine's owner-scoped log query, asked for nothing after long.MaxValue, answers just that (and the last seq).
        if (await queries.EventsAsync(userId, jobId, long.MaxValue, 1, ct) is not { } head)
        {
            metrics.Subscribe("not_found", Stopwatch.GetElapsedTime(started));
            throw new HubException("not found");
        }
        lock (Subscriptions)
        {
            if (!Subscriptions.Contains(jobId) && Subscriptions.Count >= settings.MaxJobSubscriptionsPerConnection)
            {
                throw new HubException($"too many subscriptions (at most {settings.MaxJobSubscriptionsPerConnection} jobs per connection)");
            }
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, LiveWire.JobGroup(jobId), ct);
        lock (Subscriptions)
        {
            if (Subscriptions.Add(jobId))
            {
                metrics.JobSubscribed();
            }
        }

        // Read after the join: everything appended from here on also arrives live.
        if (head.LastSeq - afterSeq <= settings.SnapshotThreshold
            && await queries.EventsAsync(userId, jobId, afterSeq, settings.SnapshotThreshold + 1, ct) is { } page
            && (page.Events.Count == 0 || page.Events[^1].Seq >= page.LastSeq))
        {
            metrics.Subscribe("events", Stopwatch.GetElapsedTime(started));
            return JobSubscription.Of(page.Events);
        }
        if (await queries.GetAsync(userId, jobId, ct) is not { } snapshot)
        {
            metrics.Subscribe("not_found", Stopwatch.GetElapsedTime(started));
            throw new HubException("not found");
        }
        metrics.Subscribe("snapshot", Stopwatch.GetElapsedTime(started));
        return JobSubscription.Of(snapshot);
    }

    public async Task UnsubscribeJob(Guid jobId)
    {
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, LiveWire.JobGroup(jobId), Context.ConnectionAborted);
        lock (Subscriptions)
        {
            if (Subscriptions.Remove(jobId))
            {
                metrics.JobUnsubscribed();
            }
        }
    }

    /// <summary>Joins "user:{id}" (job list changes and usage, as userEvent) and returns the current usage.</summary>
    public async Task<UsageView> SubscribeUser()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, LiveWire.UserGroup(Context.User!.UserId()), Context.ConnectionAborted);
        return await queries.UsageAsync(Context.User!.UserId(), Context.ConnectionAborted);
    }
}
