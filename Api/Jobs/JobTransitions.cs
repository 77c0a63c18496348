using Npgsql;
using Platform.Api.Infrastructure;
using Platform.Api.Live;

namespace Platform.Api.Jobs;

/// <summary>A job row this transaction holds (SELECT … FOR UPDATE), as read under that lock: where a move starts from.</summary>
public sealed record LockedJob(Guid Id, JobState State, int Attempt);

/// <summary>
/// State changes made outside an executor (cancel of a queued job, rescue of an expired lease, queue expiry, retry).
/// Callers hold the job's row lock (<see cref="LockedJob"/>); each change is a move the state machine allows, checked
/// before anything is written, and bumps lease_epoch where a lease could still be out there, so a stale executor's next
/// write is fenced off.
/// </summary>
public static class JobTransitions
{
    /// <summary>Ends a job that no executor may write any more: its unfinished tasks end as <paramref name="taskState"/>.</summary>
    public static async Task<IReadOnlyList<JobEventMessage>> EndAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, LockedJob job, JobState final, TaskState taskState, string? error, TimeProvider time, CancellationToken ct)
    {
        var move = JobStateMachine.Move(job.State, final);
        var unfinished = await UnfinishedTasksAsync(connection, tx, job.Id, ct);
        var events = new JobEventBatch(time);
        foreach (var format in unfinished)
        {
            events.Add(JobEventTypes.TaskState, new { format, state = taskState, error });
        }
        events.Add(JobEventTypes.JobState, new { state = final, attempt = job.Attempt, error });
        var appended = await events.AppendAsync(connection, tx, job.Id, fence: null, ct) ?? [];
        await connection.MoveAsync(tx, job.Id, move,
            "error = @error, finished_at = now(), lease_epoch = lease_epoch + 1, lease_expires_at = NULL", ct, ("error", error));
        await connection.ExecuteAsync(tx,
            $"UPDATE tasks SET state = @taskState, error = @error, finished_at = now() WHERE job_id = @id AND state IN {TaskStateSql.Unfinished}",
            ct, ("error", error), ("id", job.Id), ("taskState", taskState.ToWire()));
        await connection.NotifyDispatchersAsync(tx, ct);
        return appended;
    }

    /// <summary>
    /// A running job whose executor lets go of it (graceful hand-back, or a lease that expired): a cancel the user asked
    /// for meanwhile ends it cancelled, never back in the queue; otherwise it is requeued as <paramref name="nextAttempt"/>.
    /// </summary>
    public static Task<IReadOnlyList<JobEventMessage>> ReleaseLeaseAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, LockedJob job, int nextAttempt, string reason, TimeProvider time, CancellationToken ct) =>
        job.State == JobState.Cancelling
            ? EndAsync(connection, tx, job, JobState.Cancelled, TaskState.Cancelled, CancelledByUser, time, ct)
            : RequeueAsync(connection, tx, job, nextAttempt, reason, time, ct);

    public const string CancelledByUser = "Cancelled by the user.";

    /// <summary>Puts a job whose executor was lost back in the queue as its next attempt; interrupted tasks start over.</summary>
    private static async Task<IReadOnlyList<JobEventMessage>> RequeueAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, LockedJob job, int nextAttempt, string reason, TimeProvider time, CancellationToken ct)
    {
        var move = JobStateMachine.Move(job.State, JobState.Queued);
        var interrupted = await TasksAsync(connection, tx, job.Id, $"state = {TaskStateSql.Running}", ct);
        var events = new JobEventBatch(time);
        foreach (var format in interrupted)
        {
            events.Add(JobEventTypes.TaskState, new { format, state = TaskState.Pending });
        }
        events.Add(JobEventTypes.JobState, new { state = JobState.Queued, attempt = nextAttempt, reason });
        var appended = await events.AppendAsync(connection, tx, job.Id, fence: null, ct) ?? [];
        await connection.MoveAsync(tx, job.Id, move,
            "attempt = @attempt, lease_epoch = lease_epoch + 1, lease_expires_at = NULL, owner_instance = NULL, queued_at = now()",
            ct, ("attempt", nextAttempt));
        await connection.ExecuteAsync(tx,
            $"UPDATE tasks SET state = {TaskStateSql.Pending}, progress = 0 WHERE job_id = @id AND state = {TaskStateSql.Running}",
            ct, ("id", job.Id));
        await connection.NotifyDispatchersAsync(tx, ct);
        return appended;
    }

    /// <summary>
    /// A new attempt of a finished job: the tasks that did not complete run again (all of them when every task had
    /// completed), with a fresh budget of executor attempts.
    /// </summary>
    public static async Task<IReadOnlyList<JobEventMessage>> RetryAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, LockedJob job, int maxAttempts, TimeProvider time, CancellationToken ct)
    {
        var move = JobStateMachine.Move(job.State, JobState.Queued);
        var incomplete = await TasksAsync(connection, tx, job.Id, $"state <> {TaskStateSql.Completed}", ct);
        var rerun = incomplete.Count > 0 ? incomplete : await TasksAsync(connection, tx, job.Id, "true", ct);
        var attempt = job.Attempt + 1;
        var events = new JobEventBatch(time);
        foreach (var format in rerun)
        {
            events.Add(JobEventTypes.TaskState, new { format, state = TaskState.Pending });
        }
        events.Add(JobEventTypes.JobState, new { state = JobState.Queued, attempt, reason = "retry" });
        var appended = await events.AppendAsync(connection, tx, job.Id, fence: null, ct) ?? [];
        await connection.MoveAsync(tx, job.Id, move,
            "attempt = @attempt, max_attempts = @attempt + @budget - 1, error = NULL, queued_at = now(), started_at = NULL, finished_at = NULL, owner_instance = NULL",
            ct, ("attempt", attempt), ("budget", maxAttempts));
        await connection.ExecuteAsync(tx,
            $"""
            UPDATE tasks SET state = {TaskStateSql.Pending}, progress = 0, attempts = 0, error = NULL, started_at = NULL, finished_at = NULL
            WHERE job_id = @id AND format = ANY(@formats);
            DELETE FROM artifacts WHERE job_id = @id AND format = ANY(@formats);
            """,
            ct, ("id", job.Id), ("formats", rerun.ToArray()));
        await connection.NotifyDispatchersAsync(tx, ct);
        return appended;
    }

    private static Task<List<string>> UnfinishedTasksAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid jobId, CancellationToken ct) =>
        TasksAsync(connection, tx, jobId, $"state IN {TaskStateSql.Unfinished}", ct);

    private static async Task<List<string>> TasksAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid jobId, string condition, CancellationToken ct)
    {
        await using var command = connection.Command(tx, $"SELECT format FROM tasks WHERE job_id = @id AND {condition} ORDER BY format", ("id", jobId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var formats = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            formats.Add(reader.GetString(0));
        }
        return formats;
    }
}
