using Platform.Api.Dispatch;

namespace Platform.Api.Tests.Dispatch;

public sealed class ExecutingJobsTests
{
    private static readonly Guid JobId = Guid.NewGuid();

    private static JobRun Run(long epoch) =>
        new(new ClaimedJob(JobId, "user", epoch, 1, null, "text", "{}", DateTimeOffset.UtcNow, []), null, TimeProvider.System);

    [Fact]
    public void A_job_reclaimed_while_its_previous_run_is_still_ending_stays_tracked_after_that_run_ends()
    {
        var executing = new ExecutingJobs();
        using var previous = Run(epoch: 1);
        using var current = Run(epoch: 2);

        Assert.True(executing.TryAdd(previous));
        Assert.True(executing.TryAdd(current));
        Assert.Equal(2, executing.Count); // both hold an executor slot until the previous run has ended
        Assert.Same(current, executing.Find(JobId)); // a cancel reaches the live run

        executing.Remove(previous);

        Assert.Same(current, executing.Find(JobId));
        Assert.Equal([current], executing.Snapshot());
    }

    [Fact]
    public void The_end_of_a_run_removes_only_that_run()
    {
        var executing = new ExecutingJobs();
        using var run = Run(epoch: 7);
        Assert.True(executing.TryAdd(run));

        executing.Remove(run);

        Assert.Null(executing.Find(JobId));
        Assert.Equal(0, executing.Count);
    }
}
