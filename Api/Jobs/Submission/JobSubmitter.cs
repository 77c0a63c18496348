using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Api.Infrastructure;
using Platform.Api.Live;
using Platform.Api.Storage;

namespace Platform.Api.Jobs.Submission;

public abstract record SubmitOutcome
{
    /// <summary>The job was created (or, with <paramref name="Replayed"/>, the Idempotency-Key had created it before).</summary>
    public sealed record Accepted(Guid JobId, bool Replayed) : SubmitOutcome;

    /// <summary>The user is at the running + queued limit.</summary>
    public sealed record Refused(UsageCounts Usage) : SubmitOutcome;

    /// <summary>The Idempotency-Key was used before with a different request.</summary>
    public sealed record KeyReused(Guid JobId) : SubmitOutcome;

    /// <summary>The user's stored outputs already fill their storage quota.</summary>
    public sealed record OverQuota(long UsedBytes, long QuotaBytes) : SubmitOutcome;
}

/// <summary>
/// Admission and creation of a job in one transaction under the user's advisory lock: idempotency check, limit check,
/// insert of job, tasks and the first event, and a NOTIFY that wakes the dispatchers on commit.
/// </summary>
public sealed class JobSubmitter(
    PostgresTransactions db,
    IOptionsMonitor<JobLimitsOptions> limits,
    IOptionsMonitor<StorageOptions> storage,
    IJobEventPublisher publisher,
    JobMetrics metrics,
    TimeProvider time)
{
    public async Task<SubmitOutcome> SubmitAsync(string ownerId, ValidatedJob request, string? idempotencyKey, CancellationToken ct)
    {
        var jobId = Guid.CreateVersion7();
        var requestHash = request.RequestHash();
        var limit = limits.CurrentValue;
        var quota = storage.CurrentValue.QuotaBytesPerUser;
        IReadOnlyList<JobEventMessage> events = [];

        var outcome = await db.RunAsync<SubmitOutcome>(async (connection, tx, token) =>
        {
            // One round trip: the user's lock, then under it the running and queued counts and the bytes stored (so
            // concurrent submissions see the same totals; a job admitted just under the quota may end a little over it,
            // its outputs are not known yet). The bytes are one row the database keeps current (StorageUsage).
            var (usage, stored) = await connection.LockAndCountAsync<long>(tx, ownerId,
                "SELECT coalesce((SELECT bytes FROM storage_usage WHERE owner_id = @user), 0)::bigint;", token);

            if (idempotencyKey is not null && await ReplayAsync(connection, tx, ownerId, idempotencyKey, requestHash, token) is { } replayed)
            {
                return replayed;
            }
            if (stored >= quota)
            {
                return new SubmitOutcome.OverQuota(stored, quota);
            }
            if (!limit.Admits(usage))
            {
                return new SubmitOutcome.Refused(usage);
            }

            var now = time.GetUtcNow();
            events = await CreateAsync(connection, tx, jobId, ownerId, request, limit.MaxAttempts, now, token);
            if (idempotencyKey is not null)
            {
                await connection.ExecuteAsync(tx,
                    "INSERT INTO idempotency_records (user_id, key, request_hash, job_id, created_at) VALUES (@user, @key, @hash, @job, @now)",
                    token, ("user", ownerId), ("key", idempotencyKey), ("hash", requestHash), ("job", jobId), ("now", now));
            }
            await connection.NotifyDispatchersAsync(tx, token);
            return new SubmitOutcome.Accepted(jobId, Replayed: false);
        }, ct);

        await ReportAsync(outcome, request, events, ct);
        return outcome;
    }

    /// <summary>The answer to a repeated Idempotency-Key: the job it created, or a refusal when the request differs; null when the key is new.</summary>
    private static async Task<SubmitOutcome?> ReplayAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, string ownerId, string idempotencyKey, string requestHash, CancellationToken ct)
    {
        await using var lookup = connection.Command(tx,
            "SELECT request_hash, job_id FROM idempotency_records WHERE user_id = @user AND key = @key",
            ("user", ownerId), ("key", idempotencyKey));
        await using var reader = await lookup.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }
        var (hash, firstJob) = (reader.GetString(0), reader.GetGuid(1));
        return hash == requestHash ? new SubmitOutcome.Accepted(firstJob, Replayed: true) : new SubmitOutcome.KeyReused(firstJob);
    }

    /// <summary>Inserts the job (queued, attempt 1), one pending task per format and its first event.</summary>
    private async Task<IReadOnlyList<JobEventMessage>> CreateAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, Guid jobId, string ownerId, ValidatedJob request, int maxAttempts, DateTimeOffset now, CancellationToken ct)
    {
        await connection.ExecuteAsync(tx,
            $"""
            INSERT INTO jobs (id, owner_id, source_url, source_text, formats, options, state, attempt, max_attempts,
                              lease_epoch, created_at, queued_at, last_seq, trace_parent, target_server)
            VALUES (@id, @owner, @url, @text, @formats, @options::jsonb, {JobStateSql.Queued}, 1, @maxAttempts, 0, @now, @now, 0, @traceParent, @target);
            INSERT INTO tasks (job_id, format, state, progress, attempts)
            SELECT @id, f, {TaskStateSql.Pending}, 0, 0 FROM unnest(@formats) AS f;
            """,
            ct,
            ("id", jobId), ("owner", ownerId), ("url", request.Url?.AbsoluteUri), ("text", request.Text),
            ("formats", request.Formats), ("options", request.OptionsJson), ("maxAttempts", maxAttempts), ("now", now),
            ("traceParent", Activity.Current is { IdFormat: ActivityIdFormat.W3C } submit ? submit.Id : null),
            ("target", request.TargetServer));
        return await new JobEventBatch(time)
            .Add(JobEventTypes.JobState, new { state = JobState.Queued, attempt = 1 })
            .AppendAsync(connection, tx, jobId, fence: null, ct) ?? [];
    }

    /// <summary>After commit: the metrics, and the new job's first event to its watchers.</summary>
    private async Task ReportAsync(SubmitOutcome outcome, ValidatedJob request, IReadOnlyList<JobEventMessage> events, CancellationToken ct)
    {
        if (outcome is SubmitOutcome.Accepted { Replayed: false })
        {
            metrics.Submitted(request.Url is null ? "text" : "url");
            foreach (var e in events)
            {
                await publisher.PublishAsync(e, ct);
            }
        }
        else if (outcome is SubmitOutcome.Refused)
        {
            metrics.Refused();
        }
    }
}
