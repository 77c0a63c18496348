using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Platform.Api.Jobs;

namespace Platform.Api.Live;

/// <summary>
/// The publisher's sink: sends each event once to its job's group through the hub context. With the Redis backplane
/// that is one PUBLISH; every replica (this one included) writes it to its own subscribers, so an event produced here
/// reaches clients on any replica exactly once, and this call never waits for a client. job.state events also tell
/// the owner's tabs that their job list and usage changed (<see cref="UserEventNotifier"/>).
/// </summary>
public sealed class HubJobEventSink(
    IHubContext<JobsHub> hub,
    LiveBackplane backplane,
    UserEventNotifier userEvents,
    IOptionsMonitor<LiveOptions> options,
    LiveMetrics metrics,
    TimeProvider clock) : IJobEventSink
{
    public async Task SendAsync(JobEventMessage jobEvent, CancellationToken cancellationToken)
    {
        if (jobEvent.Type == JobEventTypes.JobState)
        {
            userEvents.JobChanged(jobEvent);
        }
        if (!backplane.IsConnected)
        {
            // Redis is down: fail fast rather than queue publishes behind a dead connection and stall the executors.
            metrics.BackplaneFailed("disconnected");
            throw new InvalidOperationException("The SignalR backplane is not connected.");
        }
        var wire = new JobEventView(jobEvent.JobId, jobEvent.Seq, jobEvent.Type, jobEvent.At, jobEvent.Data);
        try
        {
            await hub.Clients.Group(LiveWire.JobGroup(jobEvent.JobId))
                .SendAsync(LiveWire.JobEvent, wire, cancellationToken)
                .WaitAsync(options.CurrentValue.BackplaneSendTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            metrics.BackplaneFailed("timeout");
            throw;
        }
        metrics.Published(jobEvent.At, clock.GetUtcNow());
    }
}
