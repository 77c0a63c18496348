namespace Platform.Api.Jobs;

/// <summary>The legal moves of a job and how its tasks decide its outcome. SQL that changes state follows these rules.</summary>
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

    public static bool CanMove(JobState from, JobState to) => Transitions[from].Contains(to);

    public static bool IsFinished(this JobState state) =>
        state is JobState.Completed or JobState.Partial or JobState.Failed or JobState.Cancelled or JobState.Expired;

    /// <summary>Running and cancelling jobs hold one of the user's running slots.</summary>
    public static bool HoldsRunningSlot(this JobState state) => state is JobState.Running or JobState.Cancelling;

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
