using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Platform.Api.Jobs;

namespace Platform.Api.Live;

/// <summary>
/// The publisher's sink: sends each event once to its job's group through the hub context. With the Redis backplane
/// that is one PUBLISH; every replica (this one included) writes it to its own subscribers, so an event produced here
/// reaches clients on any replica exactly once, and nothing here ever waits for a client. job.state events also tell
/// the owner's tabs that their job list and usage changed (<see cref="UserEventNotifier"/>).
/// Pipelined: the PUBLISH is issued before SendAsync returns (in the publisher's queue order, on one Redis connection,
/// so each job's events stay in seq order) and its round trip is awaited in the background. Bound: at most
/// <see cref="MaxPublishesInFlight"/> outstanding; beyond it SendAsync waits, which backs up the publisher's queue.
/// </summary>
public sealed class HubJobEventSink(
    IHubContext<JobsHub> hub,
    LiveBackplane backplane,
    UserEventNotifier userEvents,
    IOptionsMonitor<LiveOptions> options,
    LiveMetrics metrics,
    TimeProvider clock) : IJobEventSink
{
    public const int MaxPublishesInFlight = 256;

    private readonly SemaphoreSlim _inFlight = new(MaxPublishesInFlight, MaxPublishesInFlight);

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
        await _inFlight.WaitAsync(cancellationToken);
        Task publish;
        try
        {
            var wire = new JobEventView(jobEvent.JobId, jobEvent.Seq, jobEvent.Type, jobEvent.At, jobEvent.Data);
            publish = hub.Clients.Group(LiveWire.JobGroup(jobEvent.JobId)).SendAsync(LiveWire.JobEvent, wire, CancellationToken.None);
        }
        catch
        {
            _inFlight.Release();
            throw;
        }
        _ = ObserveAsync(publish, jobEvent);
    }

    private async Task ObserveAsync(Task publish, JobEventMessage jobEvent)
    {
        try
        {
            await publish.WaitAsync(options.CurrentValue.BackplaneSendTimeout);
            metrics.Published(jobEvent.At, clock.GetUtcNow());
        }
        catch (TimeoutException)
        {
            // Subscribers see the seq missing and fill it from the log.
            metrics.BackplaneFailed("timeout");
        }
        catch (Exception)
        {
            metrics.BackplaneFailed("error");
        }
        finally
        {
            _inFlight.Release();
        }
    }
}
