using System.Security.Cryptography;
using Npgsql;
using Platform.Api.Formats;
using Platform.Api.Infrastructure;
using Platform.Api.Jobs;
using Platform.Api.Live;

namespace Platform.Api.Dispatch;

/// <summary>
/// Every write an executor makes, each in one transaction that first reserves event seqs under the fencing condition
/// (<c>lease_epoch = @epoch AND state IN <see cref="JobStateSql.RunningSlot"/></c>). If that matches no row, nothing is written and
/// <see cref="FencingRejectedException"/> tells the executor to stop. Events are published only after commit.
/// </summary>
public sealed class FencedJobWriter(PostgresTransactions db, IJobEventPublisher publisher, JobMetrics metrics, TimeProvider time)
{
    public Task TaskStartedAsync(ClaimedJob job, IReadOnlyCollection<string> formats, int attempt, CancellationToken ct)
    {
        var events = new JobEventBatch(time);
        foreach (var format in formats)
        {
            events.Add(JobEventTypes.TaskState, new { format, state = TaskState.Running, attempts = attempt });
        }
        return WriteAsync(job, "task-started", events, (connection, tx, token) => connection.ExecuteAsync(tx,
            $"""
            UPDATE tasks SET state = {TaskStateSql.Running}, attempts = @attempt, error = NULL, started_at = coalesce(started_at, now())
            WHERE job_id = @id AND format = ANY(@formats)
            """,
            token, ("attempt", attempt), ("id", job.Id), ("formats", formats.ToArray())), ct);
    }

    public Task TaskProgressAsync(ClaimedJob job, IReadOnlyCollection<TaskProgressUpdate> updates, CancellationToken ct)
    {
        var events = new JobEventBatch(time);
        foreach (var u in updates)
        {
            events.Add(JobEventTypes.TaskProgress, new { format = u.Format, progress = Math.Round(u.Progress, 4), message = u.Message });
        }
        // Every task's progress in one statement (a capture reports the same stage for each of its formats).
        return WriteAsync(job, "task-progress", events, (connection, tx, token) => connection.ExecuteAsync(tx,
            $"""
            UPDATE tasks SET progress = u.progress
            FROM unnest(@formats, @progress) AS u(format, progress)
            WHERE tasks.job_id = @id AND tasks.format = u.format AND tasks.state = {TaskStateSql.Running}
            """,
            token, ("id", job.Id), ("formats", updates.Select(u => u.Format).ToArray()), ("progress", updates.Select(u => u.Progress).ToArray())), ct);
    }

    public Task TaskOutputAsync(ClaimedJob job, IReadOnlyCollection<(string Format, string Text)> chunks, CancellationToken ct)
    {
        var events = new JobEventBatch(time);
        foreach (var (format, text) in chunks)
        {
            events.Add(JobEventTypes.TaskOutput, new { format, text });
        }
        return WriteAsync(job, "task-output", events, null, ct);
    }

    /// <summary>
    /// Tasks' results (a capture's outputs arrive together), and with <paramref name="finishJob"/> the job's end,
    /// <see cref="JobState.Completed"/>, in one transaction of two round trips before the commit: the events (each task's
    /// result and state, then the job's state — the order separate writes give) are appended under the fence, which takes
    /// the job's row lock; then the artifacts, the tasks, the job's move and the dispatchers' wake-up go as one batch. A job
    /// every task of which completed ends completed from running or cancelling alike (a cancel that came too late changes
    /// nothing), so no read of the state is needed first.
    /// </summary>
    public async Task<JobState?> TasksCompletedAsync(
        ClaimedJob job, IReadOnlyList<(string Format, FormatOutput Output)> results, bool finishJob, CancellationToken ct)
    {
        var events = new JobEventBatch(time);
        var sql = new List<string>();
        var parameters = new List<(string Name, object? Value)> { ("id", job.Id) };
        for (var i = 0; i < results.Count; i++)
        {
            var (format, output) = results[i];
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(output.Bytes));
            events.Add(JobEventTypes.TaskResult, new { format, contentType = output.ContentType, size = output.Bytes.LongLength, sha256 })
                .Add(JobEventTypes.TaskState, new { format, state = TaskState.Completed });
            sql.Add(StoreResultSql(i));
            parameters.AddRange([($"format{i}", format), ($"contentType{i}", output.ContentType), ($"size{i}", output.Bytes.LongLength),
                ($"sha{i}", sha256), ($"bytes{i}", output.Bytes)]);
        }
        if (finishJob)
        {
            events.Add(JobEventTypes.JobState, new { state = JobState.Completed, attempt = job.Attempt, error = (string?)null });
            sql.Add(JobStateWrites.UpdateFromAny([.. JobStateMachine.RunningSlotStates.Select(from => JobStateMachine.Move(from, JobState.Completed))],
                "error = NULL, finished_at = now(), lease_expires_at = NULL", "lease_epoch = @epoch"));
            sql.Add($"NOTIFY {DispatchNotification.Channel}");
            parameters.Add(("epoch", job.LeaseEpoch));
        }
        var expected = 2 * results.Count + (finishJob ? 1 : 0);
        var appended = await db.RunAsync(async (connection, tx, token) =>
        {
            var reserved = await events.AppendAsync(connection, tx, job.Id, job.LeaseEpoch, token);
            if (reserved is null)
            {
                return null;
            }
            var changed = await connection.ExecuteAsync(tx, string.Join(";\n", sql), token, [.. parameters]);
            // Each artifact and task, and the job: its row is locked by the append under the same fence, so every one.
            return changed == expected ? reserved : throw new InvalidOperationException($"Job {job.Id}: a result write changed {changed} rows, not {expected}.");
        }, ct);
        await PublishOrRejectAsync(job, finishJob ? "last-task-completed" : "task-completed", appended, ct);
        return finishJob ? JobState.Completed : null;
    }

    /// <summary>One result: its artifact (replacing an earlier attempt's) and its task, with parameters suffixed <paramref name="i"/>.</summary>
    private static string StoreResultSql(int i) =>
        $"""
        INSERT INTO artifacts (job_id, format, content_type, size, sha256, bytes, created_at)
        VALUES (@id, @format{i}, @contentType{i}, @size{i}, @sha{i}, @bytes{i}, now())
        ON CONFLICT (job_id, format) DO UPDATE
          SET content_type = excluded.content_type, size = excluded.size, sha256 = excluded.sha256,
              bytes = excluded.bytes, created_at = excluded.created_at;
        UPDATE tasks SET state = {TaskStateSql.Completed}, progress = 1, error = NULL, finished_at = now()
        WHERE job_id = @id AND format = @format{i}
        """;

    /// <summary>Ends tasks without a result: failed, cancelled or skipped (its input never arrived).</summary>
    public Task TasksEndedAsync(ClaimedJob job, IReadOnlyCollection<string> formats, TaskState state, string? error, CancellationToken ct)
    {
        var events = new JobEventBatch(time);
        foreach (var format in formats)
        {
            events.Add(JobEventTypes.TaskState, new { format, state, error });
        }
        return WriteAsync(job, "task-ended", events, (connection, tx, token) => connection.ExecuteAsync(tx,
            "UPDATE tasks SET state = @state, error = @error, finished_at = now() WHERE job_id = @id AND format = ANY(@formats)",
            token, ("state", state.ToWire()), ("error", error), ("id", job.Id), ("formats", formats.ToArray())), ct);
    }

    /// <summary>
    /// The final write. A job the user asked to cancel while it ran ends cancelled unless every task completed anyway.
    /// Returns the state written.
    /// </summary>
    public async Task<JobState> JobFinishedAsync(ClaimedJob job, JobState outcome, string? error, CancellationToken ct)
    {
        var (final, events) = await db.RunAsync(async (connection, tx, token) =>
        {
            var locked = await LockFencedAsync(connection, tx, job, token);
            if (locked is null)
            {
                return (default(JobState), (IReadOnlyList<JobEventMessage>?)null);
            }
            var final = locked.State == JobState.Cancelling && outcome != JobState.Completed ? JobState.Cancelled : outcome;
            var move = JobStateMachine.Move(locked.State, final);
            var appended = await new JobEventBatch(time)
                .Add(JobEventTypes.JobState, new { state = final, attempt = job.Attempt, error })
                .AppendAsync(connection, tx, job.Id, job.LeaseEpoch, token);
            await connection.MoveAsync(tx, job.Id, move, "error = @error, finished_at = now(), lease_expires_at = NULL", token, ("error", error));
            // The user's running slot is free now: another replica may have that user's next job to start.
            await connection.NotifyDispatchersAsync(tx, token);
            return (final, appended);
        }, ct);
        await PublishOrRejectAsync(job, "job-finished", events, ct);
        return final;
    }

    /// <summary>
    /// Gives the job back to the queue at once, its attempt unspent (graceful shutdown, instead of letting its lease run
    /// out; a capture reservation lost), or, when the user asked to cancel it meanwhile, ends it cancelled.
    /// <paramref name="reason"/> goes with its <c>job.state</c> event (see <see cref="HandBackReasons"/>).
    /// </summary>
    public async Task HandBackAsync(ClaimedJob job, string reason, CancellationToken ct)
    {
        var events = await db.RunAsync(async (connection, tx, token) =>
        {
            var locked = await LockFencedAsync(connection, tx, job, token);
            return locked is null
                ? null
                : await JobTransitions.ReleaseLeaseAsync(connection, tx, locked, job.Attempt, reason, time, token);
        }, ct);
        await PublishOrRejectAsync(job, "hand-back", events, ct);
    }

    /// <summary>The job's row, locked, while the claim's lease is still its own; null when it has moved on (fenced off).</summary>
    private static async Task<LockedJob?> LockFencedAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ClaimedJob job, CancellationToken ct)
    {
        var state = await connection.ScalarAsync<string>(tx,
            $"SELECT state FROM jobs WHERE id = @id AND lease_epoch = @epoch AND state IN {JobStateSql.RunningSlot} FOR UPDATE",
            ct, ("id", job.Id), ("epoch", job.LeaseEpoch));
        return state is null ? null : new LockedJob(job.Id, StateNames.ParseJobState(state), job.Attempt);
    }

    private async Task WriteAsync(
        ClaimedJob job, string write, JobEventBatch events, Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task>? apply, CancellationToken ct)
    {
        var appended = await db.RunAsync(async (connection, tx, token) =>
        {
            var reserved = await events.AppendAsync(connection, tx, job.Id, job.LeaseEpoch, token);
            if (reserved is not null && apply is not null)
            {
                await apply(connection, tx, token);
            }
            return reserved;
        }, ct);
        await PublishOrRejectAsync(job, write, appended, ct);
    }

    private async Task PublishOrRejectAsync(ClaimedJob job, string write, IReadOnlyList<JobEventMessage>? events, CancellationToken ct)
    {
        if (events is null)
        {
            metrics.FencingRejected(write);
            throw new FencingRejectedException(job.Id, job.LeaseEpoch, write);
        }
        foreach (var e in events)
        {
            await publisher.PublishAsync(e, ct);
        }
    }
}

public sealed record TaskProgressUpdate(string Format, double Progress, string? Message);

/// <summary>Why a running job went back to the queue with its attempt unspent: the <c>reason</c> of its <c>job.state</c> event.</summary>
public static class HandBackReasons
{
    public const string Shutdown = "instance shutting down";
    public const string CaptureReservationLost = "capture reservation lost; waiting for capacity again";
}
