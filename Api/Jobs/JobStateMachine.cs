namespace Platform.Api.Jobs;

/// <summary>
/// The legal moves of a job and how its tasks decide its outcome. Every write of a job's state goes through
/// <see cref="Move"/> (see <see cref="JobStateWrites"/>), so a move not listed here throws before any SQL runs.
/// docs/architecture.md ("Job states") lists the same moves; a test holds the two together.
/// </summary>
public static class JobStateMachine
{
    private static readonly Dictionary<JobState, JobState[]> Transitions = new()
    {
        [JobState.Queued] = [JobState.Running, JobState.Cancelled, JobState.Expired],
        // Running → Queued is the rescuer (lease expired) or a graceful shutdown handing the job back.
        [JobState.Running] = [JobState.Cancelling, JobState.Completed, JobState.Partial, JobState.Failed, JobState.Cancelled, JobState.Queued],
        [JobState.Cancelling] = [JobState.Cancelled, JobState.Completed, JobState.Failed],
        // A retry is a new attempt of a finished job.
        [JobState.Completed] = [JobState.Queued],
        [JobState.Partial] = [JobState.Queued],
        [JobState.Failed] = [JobState.Queued],
        [JobState.Cancelled] = [JobState.Queued],
        [JobState.Expired] = [JobState.Queued],
    };

    /// <summary>
    /// The states of a job an executor holds: it has the lease (only its writes pass the fence) and it takes one of its
    /// user's running slots. The one definition of "holds a running slot", in C# and (<see cref="JobStateSql"/>) in SQL.
    /// </summary>
    public static readonly IReadOnlyList<JobState> RunningSlotStates = [JobState.Running, JobState.Cancelling];

    /// <summary>The end states: no executor, no slot; only a retry moves the job again.</summary>
    public static readonly IReadOnlyList<JobState> FinishedStates =
        [JobState.Completed, JobState.Partial, JobState.Failed, JobState.Cancelled, JobState.Expired];

    /// <summary>Every legal move, for the tests and the documentation check.</summary>
    public static IEnumerable<(JobState From, JobState To)> Moves =>
        Transitions.SelectMany(t => t.Value.Select(to => (t.Key, to)));

    public static bool CanMove(JobState from, JobState to) => Transitions[from].Contains(to);

    /// <summary>The checked move from <paramref name="from"/> to <paramref name="to"/>; throws when the machine has no such move.</summary>
    public static JobStateMove Move(JobState from, JobState to) =>
        CanMove(from, to) ? new JobStateMove(from, to) : throw new IllegalJobTransitionException(from, to);

    public static bool IsFinished(this JobState state) => FinishedStates.Contains(state);

    public static bool HoldsRunningSlot(this JobState state) => RunningSlotStates.Contains(state);

    public static bool IsFinished(this TaskState state) =>
        state is TaskState.Completed or TaskState.Failed or TaskState.Cancelled or TaskState.Skipped;

    /// <summary>
    /// The job's outcome from its tasks' final states: all completed → completed; none completed → failed (cancelled when
    /// the stop was a cancel); a mix → partial (or cancelled when cancelled).
    /// </summary>
    public static JobState Outcome(IReadOnlyCollection<TaskState> tasks, bool cancelRequested)
    {
        if (tasks.Count > 0 && tasks.All(t => t == TaskState.Completed))
        {
            return JobState.Completed;
        }
        if (cancelRequested || tasks.Any(t => t == TaskState.Cancelled))
        {
            return JobState.Cancelled;
        }
        return tasks.Any(t => t == TaskState.Completed) ? JobState.Partial : JobState.Failed;
    }
}

/// <summary>A move the state machine allows; only <see cref="JobStateMachine.Move"/> makes one.</summary>
public sealed class JobStateMove
{
    internal JobStateMove(JobState from, JobState to) => (From, To) = (from, to);

    public JobState From { get; }
    public JobState To { get; }

    public override string ToString() => $"{From.ToWire()} → {To.ToWire()}";
}

/// <summary>Code tried a move the state machine does not have, or the job was not in the state the move starts from.</summary>
public sealed class IllegalJobTransitionException(JobState from, JobState to, string? detail = null)
    : InvalidOperationException($"A job cannot move from {from.ToWire()} to {to.ToWire()}{(detail is null ? "." : $": {detail}")}")
{
    public JobState From { get; } = from;
    public JobState To { get; } = to;
}
