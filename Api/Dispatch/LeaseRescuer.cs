using Microsoft.Extensions.Options;
using Platform.Api.Infrastructure;
using Platform.Api.Jobs;
using Platform.Api.Live;

namespace Platform.Api.Dispatch;

/// <summary>
/// Runs on every replica (they coordinate through SKIP LOCKED): jobs whose lease expired are requeued as their next
/// attempt, failed when attempts ran out, or cancelled if a cancel was pending; queued jobs that waited longer than
/// JobLimits:MaxQueueWait expire. Also samples the queue depth and the queued-jobs-by-reason gauges. Bound: a batch per tick; metric:
/// platform.jobs.lease.expiries, platform.jobs.queue.expired.
/// </summary>
public sealed class LeaseRescuer(
    PostgresTransactions db,
    QueueWaits waits,
    IJobEventPublisher publisher,
    IOptionsMonitor<LeaseOptions> leases,
    IOptionsMonitor<JobLimitsOptions> limits,
    JobMetrics metrics,
    TimeProvider time,
    ILogger<LeaseRescuer> logger) : BackgroundService
{
    private const int MaxPerTick = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(leases.CurrentValue.RescueInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RescueExpiredLeasesAsync(stoppingToken);
                await ExpireStaleQueuedJobsAsync(stoppingToken);
                metrics.SetQueueDepth(await QueueDepthAsync(stoppingToken));
                metrics.SetWaiting(await waits.CountByReasonAsync(stoppingToken));
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Rescue round failed; retrying next interval.");
            }
        }
    }

    public async Task<int> RescueExpiredLeasesAsync(CancellationToken ct)
    {
        var rescued = 0;
        while (rescued < MaxPerTick)
        {
            var events = await db.RunAsync(async (connection, tx, token) =>
            {
                await using var select = connection.Command(tx,
                    $"""
                    SELECT id, state, attempt, max_attempts FROM jobs
                    WHERE state IN {JobStateSql.RunningSlot} AND lease_expires_at < now()
                    ORDER BY lease_expires_at LIMIT 1 FOR UPDATE SKIP LOCKED
                    """);
                LockedJob job;
                int maxAttempts;
                await using (var reader = await select.ExecuteReaderAsync(token))
                {
                    if (!await reader.ReadAsync(token))
                    {
                        return null;
                    }
                    job = new LockedJob(reader.GetGuid(0), StateNames.ParseJobState(reader.GetString(1)), reader.GetInt32(2));
                    maxAttempts = reader.GetInt32(3);
                }

                if (job.State != JobState.Cancelling && job.Attempt >= maxAttempts)
                {
                    return await JobTransitions.EndAsync(connection, tx, job, JobState.Failed, TaskState.Failed,
                        $"The job's executor was lost {job.Attempt} times; giving up.", time, token);
                }
                return await JobTransitions.ReleaseLeaseAsync(connection, tx, job, job.Attempt + 1, "lease expired", time, token);
            }, ct);
            if (events is null)
            {
                break;
            }
            rescued++;
            metrics.LeaseExpired();
            logger.LogWarning("Job {JobId}: lease expired; {Outcome}.", events[0].JobId, events[^1].Data.GetProperty("state").GetString());
            await PublishAsync(events, ct);
        }
        return rescued;
    }

    public async Task<int> ExpireStaleQueuedJobsAsync(CancellationToken ct)
    {
        var expired = 0;
        var maxWait = limits.CurrentValue.MaxQueueWait;
        while (expired < MaxPerTick)
        {
            var events = await db.RunAsync(async (connection, tx, token) =>
            {
                await using var select = connection.Command(tx,
                    $"SELECT id, attempt FROM jobs WHERE state = {JobStateSql.Queued} AND queued_at < now() - @wait LIMIT 1 FOR UPDATE SKIP LOCKED",
                    ("wait", maxWait));
                LockedJob job;
                await using (var reader = await select.ExecuteReaderAsync(token))
                {
                    if (!await reader.ReadAsync(token))
                    {
                        return null;
                    }
                    job = new LockedJob(reader.GetGuid(0), JobState.Queued, reader.GetInt32(1));
                }
                return await JobTransitions.EndAsync(connection, tx, job, JobState.Expired, TaskState.Skipped,
                    $"Waited in the queue longer than {maxWait}.", time, token);
            }, ct);
            if (events is null)
            {
                break;
            }
            expired++;
            metrics.QueueExpired();
            metrics.FinishedWithoutRun(JobState.Expired);
            await PublishAsync(events, ct);
        }
        return expired;
    }

    private Task<long> QueueDepthAsync(CancellationToken ct) =>
        db.ReadAsync(async (connection, token) =>
            await connection.ScalarAsync<long>(null, $"SELECT count(*) FROM jobs WHERE state = {JobStateSql.Queued}", token), ct);

    private async Task PublishAsync(IReadOnlyList<JobEventMessage> events, CancellationToken ct)
    {
        foreach (var e in events)
        {
            await publisher.PublishAsync(e, ct);
        }
    }
}
