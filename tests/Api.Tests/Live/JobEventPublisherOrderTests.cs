using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Api.Live;

namespace Platform.Api.Tests.Live;

/// <summary>Coalescing must never reorder a job's events: clients apply them in seq order and treat a jump as a gap.</summary>
public sealed class JobEventPublisherOrderTests
{
    /// <summary>Holds the first send until released, so everything after it waits in the publisher's queue.</summary>
    private sealed class FirstSendGate : IJobEventSink
    {
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly Channel<JobEventMessage> Received = Channel.CreateUnbounded<JobEventMessage>();

        public async Task SendAsync(JobEventMessage jobEvent, CancellationToken cancellationToken)
        {
            await Release.Task.WaitAsync(cancellationToken);
            Received.Writer.TryWrite(jobEvent);
        }

        public async Task<List<JobEventMessage>> ReceiveAsync(int count, CancellationToken ct)
        {
            var received = new List<JobEventMessage>();
            while (received.Count < count)
            {
                received.Add(await Received.Reader.ReadAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), ct));
            }
            return received;
        }
    }

    private static JobEventMessage Progress(Guid job, long seq, string format = "pdf") =>
        Event(job, seq, JobEventTypes.TaskProgress, new { format, progress = seq / 100.0 });

    private static JobEventMessage Event(Guid job, long seq, string type, object data) =>
        new(job, "owner", seq, type, DateTimeOffset.UtcNow, JsonSerializer.SerializeToElement(data, JsonSerializerOptions.Web));

    [Fact]
    public async Task A_newer_progress_does_not_overtake_an_older_event_of_its_job()
    {
        var ct = TestContext.Current.CancellationToken;
        var sink = new FirstSendGate();
        using var publisher = new JobEventPublisher(sink, TestMetrics.Live(), TimeProvider.System, NullLogger<JobEventPublisher>.Instance);
        await publisher.StartAsync(ct);
        var job = Guid.NewGuid();

        await publisher.PublishAsync(Event(job, 1, JobEventTypes.JobState, new { state = "running" }), ct);
        await publisher.PublishAsync(Progress(job, 2), ct);
        await publisher.PublishAsync(Event(job, 3, JobEventTypes.TaskOutput, new { format = "pdf", text = "…" }), ct);
        await publisher.PublishAsync(Progress(job, 4), ct);
        await publisher.PublishAsync(Progress(job, 5), ct);
        sink.Release.SetResult();

        var received = await sink.ReceiveAsync(4, ct);

        // 4 would have replaced 2 and jumped ahead of 3; it may only replace its own slot behind 3 (5 wins there).
        Assert.Equal([1L, 2, 3, 5], received.Select(e => e.Seq));
        await publisher.StopAsync(ct);
    }

    [Fact]
    public async Task Progress_of_another_task_is_not_merged_and_another_job_does_not_stop_coalescing()
    {
        var ct = TestContext.Current.CancellationToken;
        var sink = new FirstSendGate();
        using var publisher = new JobEventPublisher(sink, TestMetrics.Live(), TimeProvider.System, NullLogger<JobEventPublisher>.Instance);
        await publisher.StartAsync(ct);
        var job = Guid.NewGuid();
        var other = Guid.NewGuid();

        await publisher.PublishAsync(Event(job, 1, JobEventTypes.JobState, new { state = "running" }), ct);
        await publisher.PublishAsync(Progress(job, 2, "pdf"), ct);
        await publisher.PublishAsync(Event(other, 1, JobEventTypes.JobState, new { state = "running" }), ct);
        await publisher.PublishAsync(Progress(job, 3, "pdf"), ct);
        await publisher.PublishAsync(Progress(job, 4, "markdown"), ct);
        await publisher.PublishAsync(Progress(job, 5, "markdown"), ct);
        sink.Release.SetResult();

        var received = await sink.ReceiveAsync(4, ct);

        Assert.Equal([(job, 1L), (job, 3), (other, 1), (job, 5)], received.Select(e => (e.JobId, e.Seq)));
        Assert.Equal("markdown", received[^1].Data.GetProperty("format").GetString());
        await publisher.StopAsync(ct);
    }
}
