using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Api.Dispatch;
using Platform.Api.Infrastructure;
using Platform.Api.Live;

namespace Platform.Api.Jobs;

public enum CommandOutcome
{
    /// <summary>Done (cancelled, requeued, deleted).</summary>
    Done,
    /// <summary>Cancel asked of a running job: the executor stops it shortly.</summary>
    Accepted,
    NotFound,
    /// <summary>Not allowed in the job's state (cancel of a finished job; retry or delete of an unfinished one).</summary>
    Conflict,
    /// <summary>Retry refused by the user's limits.</summary>
    OverLimit,
}

public sealed record CommandResult(CommandOutcome Outcome, JobState? State = null, UsageCounts? Usage = null);

/// <summary>The user's commands on a job: cancel, retry, delete. Each runs under the job's row lock and the user's scope.</summary>
public sealed class JobCommands(
    PostgresTransactions db,
    CancelSignals cancelSignals,
    IJobEventPublisher publisher,
    IOptionsMonitor<JobLimitsOptions> limits,
    JobMetrics metrics,
    TimeProvider time)
{
    public async Task<CommandResult> CancelAsync(string ownerId, Guid jobId, CancellationToken ct)
    {
        IReadOnlyList<JobEventMessage> events = [];
        var result = await db.RunAsync(async (connection, tx, token) =>
        {
            var job = await LockAsync(connection, tx, ownerId, jobId, token);
            switch (job?.State)
            {
                case null:
                    return new CommandResult(CommandOutcome.NotFound);
                case JobState.Queued:
                    events = await JobTransitions.EndAsync(connection, tx, job, JobState.Cancelled, TaskState.Cancelled, JobTransitions.CancelledByUser, time, token);
                    return new CommandResult(CommandOutcome.Done, JobState.Cancelled);
                case JobState.Running:
                    var move = JobStateMachine.Move(job.State, JobState.Cancelling);
                    events = await new JobEventBatch(time)
                        .Add(JobEventTypes.JobState, new { state = JobState.Cancelling })
                        .AppendAsync(connection, tx, jobId, fence: null, token) ?? [];
                    await connection.MoveAsync(tx, jobId, move, "", token);
                    return new CommandResult(CommandOutcome.Accepted, JobState.Cancelling);
                case JobState.Cancelling:
                    return new CommandResult(CommandOutcome.Accepted, JobState.Cancelling);
                default:
                    return new CommandResult(CommandOutcome.Conflict, job.State);
            }
        }, ct);

        await PublishAsync(events, ct);
        if (result.Outcome == CommandOutcome.Done)
        {
            metrics.FinishedWithoutRun(JobState.Cancelled);
        }
        if (result.Outcome == CommandOutcome.Accepted)
        {
            await cancelSignals.PublishAsync(jobId);
        }
        return result;
    }

    public async Task<CommandResult> RetryAsync(string ownerId, Guid jobId, CancellationToken ct)
    {
        IReadOnlyList<JobEventMessage> events = [];
        var limit = limits.CurrentValue;
        var result = await db.RunAsync(async (connection, tx, token) =>
        {
            // The user lock first, as in admission, so retries count against the same limits.
            await connection.LockUserAsync(tx, ownerId, token);
            var job = await LockAsync(connection, tx, ownerId, jobId, token);
            if (job is null)
            {
                return new CommandResult(CommandOutcome.NotFound);
            }
            if (!job.State.IsFinished())
            {
                return new CommandResult(CommandOutcome.Conflict, job.State);
            }
            var usage = await connection.CountAsync(tx, ownerId, token);
            if (!limit.Admits(usage))
            {
                return new CommandResult(CommandOutcome.OverLimit, job.State, usage);
            }
            events = await JobTransitions.RetryAsync(connection, tx, job, limit.MaxAttempts, time, token);
            return new CommandResult(CommandOutcome.Done, JobState.Queued);
        }, ct);
        await PublishAsync(events, ct);
        return result;
    }

    public Task<CommandResult> DeleteAsync(string ownerId, Guid jobId, CancellationToken ct) =>
        db.RunAsync(async (connection, tx, token) =>
        {
            var job = await LockAsync(connection, tx, ownerId, jobId, token);
            if (job is null)
            {
                return new CommandResult(CommandOutcome.NotFound);
            }
            if (!job.State.IsFinished())
            {
                return new CommandResult(CommandOutcome.Conflict, job.State);
            }
            // Tasks, events, artifacts and idempotency records go with it (ON DELETE CASCADE).
            await connection.ExecuteAsync(tx, "DELETE FROM jobs WHERE id = @id", token, ("id", jobId));
            return new CommandResult(CommandOutcome.Done);
        }, ct);

    private static async Task<LockedJob?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string ownerId, Guid jobId, CancellationToken ct)
    {
        await using var command = connection.Command(tx,
            "SELECT state, attempt FROM jobs WHERE id = @id AND owner_id = @owner FOR UPDATE", ("id", jobId), ("owner", ownerId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new LockedJob(jobId, StateNames.ParseJobState(reader.GetString(0)), reader.GetInt32(1)) : null;
    }

    private async Task PublishAsync(IReadOnlyList<JobEventMessage> events, CancellationToken ct)
    {
        foreach (var e in events)
        {
            await publisher.PublishAsync(e, ct);
        }
    }
}
