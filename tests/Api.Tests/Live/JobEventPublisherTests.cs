using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Api.Live;

namespace Platform.Api.Tests.Live;

public sealed class JobEventPublisherTests
{
    /// <summary>A sink that holds every send until released, to fill the publisher's queue.</summary>
    private sealed class GatedSink : IJobEventSink
    {
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly Channel<JobEventMessage> Received = Channel.CreateUnbounded<JobEventMessage>();

        public async Task SendAsync(JobEventMessage jobEvent, CancellationToken cancellationToken)
        {
            await Release.Task.WaitAsync(cancellationToken);
            Received.Writer.TryWrite(jobEvent);
        }
    }

    private static JobEventMessage Event(Guid job, long seq, string type, object data) =>
        new(job, "owner", seq, type, DateTimeOffset.UtcNow, JsonSerializer.SerializeToElement(data, JsonSerializerOptions.Web));

    [Fact]
    public async Task Progress_is_coalesced_and_state_events_all_arrive_in_order()
    {
        var ct = TestContext.Current.CancellationToken;
        var sink = new GatedSink();
        using var publisher = new JobEventPublisher(sink, TestMetrics.Live(), TimeProvider.System, NullLogger<JobEventPublisher>.Instance);
        await publisher.StartAsync(ct);
        var job = Guid.NewGuid();

        await publisher.PublishAsync(Event(job, 1, JobEventTypes.JobState, new { state = "running" }), ct);
        for (var seq = 2; seq <= 50; seq++)
        {
            await publisher.PublishAsync(Event(job, seq, JobEventTypes.TaskProgress, new { format = "pdf", progress = seq / 50.0 }), ct);
        }
        await publisher.PublishAsync(Event(job, 51, JobEventTypes.JobState, new { state = "completed" }), ct);
        sink.Release.SetResult();

        var received = new List<JobEventMessage>();
        while (received.LastOrDefault()?.Seq != 51)
        {
            received.Add(await sink.Received.Reader.ReadAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), ct));
        }
        // The first state event, at most two progress events (one may have been taken before the rest arrived), the terminal one.
        Assert.Equal(1, received[0].Seq);
        Assert.InRange(received.Count(e => e.Type == JobEventTypes.TaskProgress), 1, 2);
        Assert.Equal(50, received.Last(e => e.Type == JobEventTypes.TaskProgress).Seq);
        Assert.Equal(received.OrderBy(e => e.Seq).Select(e => e.Seq), received.Select(e => e.Seq));
        await publisher.StopAsync(ct);
    }

    [Fact]
    public async Task Terminal_events_are_never_dropped_when_the_queue_is_full()
    {
        var ct = TestContext.Current.CancellationToken;
        var sink = new GatedSink();
        using var publisher = new JobEventPublisher(sink, TestMetrics.Live(), TimeProvider.System, NullLogger<JobEventPublisher>.Instance);
        await publisher.StartAsync(ct);

        var jobs = Enumerable.Range(0, JobEventPublisher.Capacity + 10).Select(_ => Guid.NewGuid()).ToList();
        // Fill the queue with progress of many jobs: the overflow is dropped, not waited for.
        foreach (var job in jobs)
        {
            await publisher.PublishAsync(Event(job, 1, JobEventTypes.TaskProgress, new { format = "pdf", progress = 0.5 }), ct);
        }
        // A terminal event waits for room instead of being dropped.
        var terminal = publisher.PublishAsync(Event(jobs[0], 2, JobEventTypes.JobState, new { state = "completed" }), ct).AsTask();
        Assert.False(terminal.IsCompleted);
        sink.Release.SetResult();
        await terminal.WaitAsync(TimeSpan.FromSeconds(10), ct);

        var seen = false;
        while (!seen)
        {
            var e = await sink.Received.Reader.ReadAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct);
            seen = e.Type == JobEventTypes.JobState;
        }
        await publisher.StopAsync(ct);
    }
}
