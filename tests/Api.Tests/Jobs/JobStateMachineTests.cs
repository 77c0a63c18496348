using System.Text.RegularExpressions;
using Platform.Api.Jobs;

namespace Platform.Api.Tests.Jobs;

public sealed partial class JobStateMachineTests
{
    [Theory]
    [InlineData(JobState.Queued, JobState.Running)]
    [InlineData(JobState.Queued, JobState.Cancelled)]
    [InlineData(JobState.Queued, JobState.Expired)]
    [InlineData(JobState.Running, JobState.Cancelling)]
    [InlineData(JobState.Running, JobState.Partial)]
    [InlineData(JobState.Running, JobState.Queued)]
    [InlineData(JobState.Cancelling, JobState.Cancelled)]
    [InlineData(JobState.Failed, JobState.Queued)]
    public void Allows_the_documented_moves(JobState from, JobState to) => Assert.True(JobStateMachine.CanMove(from, to));

    [Theory]
    [InlineData(JobState.Completed, JobState.Running)]
    [InlineData(JobState.Cancelled, JobState.Running)]
    [InlineData(JobState.Queued, JobState.Completed)]
    [InlineData(JobState.Expired, JobState.Running)]
    [InlineData(JobState.Cancelling, JobState.Queued)]
    public void Refuses_moves_the_design_does_not_have(JobState from, JobState to) => Assert.False(JobStateMachine.CanMove(from, to));

    [Fact]
    public void An_illegal_move_throws_before_anything_is_written()
    {
        var refused = Assert.Throws<IllegalJobTransitionException>(() => JobStateMachine.Move(JobState.Completed, JobState.Running));
        Assert.Equal((JobState.Completed, JobState.Running), (refused.From, refused.To));
        var claim = JobStateMachine.Move(JobState.Queued, JobState.Running);
        Assert.Equal((JobState.Queued, JobState.Running), (claim.From, claim.To));
    }

    [Fact]
    public void The_machine_has_exactly_the_moves_the_architecture_document_lists()
    {
        var section = RepositoryFiles.Read("docs/architecture.md").Split("### Job states", 2)[1].Split("\n#", 2)[0];
        var documented = section.Split('\n')
            .Select(line => line.Split('|', StringSplitOptions.TrimEntries))
            .Where(cells => cells.Length == 4 && cells[1].StartsWith('`'))
            .SelectMany(cells => from source in Names(cells[1]) from target in Names(cells[2]) select (source, target))
            .ToHashSet();

        Assert.NotEmpty(documented);
        Assert.Equal(documented.Order(), JobStateMachine.Moves.Order());

        static IEnumerable<JobState> Names(string cell) =>
            StateName().Matches(cell).Select(m => StateNames.ParseJobState(m.Groups[1].Value));
    }

    [Fact]
    public void A_finished_job_can_only_be_retried()
    {
        foreach (var state in JobStateMachine.FinishedStates)
        {
            Assert.Equal([JobState.Queued], JobStateMachine.Moves.Where(m => m.From == state).Select(m => m.To));
        }
    }

    [GeneratedRegex("`([a-z]+)`")]
    private static partial Regex StateName();

    [Fact]
    public void Every_task_completed_means_completed() =>
        Assert.Equal(JobState.Completed, JobStateMachine.Outcome([TaskState.Completed, TaskState.Completed], cancelRequested: false));

    [Fact]
    public void Some_tasks_failed_means_partial() =>
        Assert.Equal(JobState.Partial, JobStateMachine.Outcome([TaskState.Completed, TaskState.Failed, TaskState.Skipped], cancelRequested: false));

    [Fact]
    public void No_task_completed_means_failed() =>
        Assert.Equal(JobState.Failed, JobStateMachine.Outcome([TaskState.Failed, TaskState.Skipped], cancelRequested: false));

    [Fact]
    public void A_cancel_wins_unless_everything_completed()
    {
        Assert.Equal(JobState.Cancelled, JobStateMachine.Outcome([TaskState.Completed, TaskState.Cancelled], cancelRequested: true));
        Assert.Equal(JobState.Completed, JobStateMachine.Outcome([TaskState.Completed], cancelRequested: true));
    }

    [Fact]
    public void Wire_names_are_lower_case() =>
        Assert.Equal(
            ["queued", "running", "cancelling", "completed", "partial", "failed", "cancelled", "expired"],
            Enum.GetValues<JobState>().Select(s => s.ToWire()));

    [Fact]
    public void Json_uses_the_wire_names() =>
        Assert.Equal("\"cancelling\"", System.Text.Json.JsonSerializer.Serialize(JobState.Cancelling));

    [Theory]
    [InlineData(0, 0, true)]
    [InlineData(3, 4, true)]   // 3 running, 4 queued: one queue place left
    [InlineData(3, 5, false)]  // 3 + 5 = the limit
    [InlineData(0, 7, true)]   // nothing running yet: 3 of the 8 would start at once
    [InlineData(0, 8, false)]
    [InlineData(2, 5, true)]   // a running slot is free
    [InlineData(2, 6, false)]
    public void Admission_allows_three_running_plus_five_queued(int running, int queued, bool admitted) =>
        Assert.Equal(admitted, new JobLimitsOptions().Admits(new UsageCounts(running, queued)));
}
