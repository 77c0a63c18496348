using Microsoft.Extensions.Options;
using Platform.Api.Infrastructure;
using Platform.Api.Jobs;

namespace Platform.Api.Dispatch;

/// <summary>
/// Renews the leases of every job executing on this replica in one fenced statement per interval. A job missing from
/// the answer has been rescued elsewhere (its epoch moved on): its run is stopped before it writes again. A job whose
/// state is cancelling is cancelled here too, which covers a cancel message lost with Redis.
/// </summary>
public sealed class LeaseKeeper(
    PostgresTransactions db,
    ExecutingJobs executing,
    IOptionsMonitor<LeaseOptions> leases,
    JobMetrics metrics,
    ILogger<LeaseKeeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(leases.CurrentValue.RenewInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RenewAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Lease renewal failed; retrying next interval.");
            }
        }
    }

    public async Task RenewAsync(CancellationToken ct)
    {
        var runs = executing.Snapshot();
        if (runs.Count == 0)
        {
            return;
        }
        var renewed = await db.RunAsync(async (connection, tx, token) =>
        {
            await using var command = connection.Command(tx,
                $"""
                UPDATE jobs j SET lease_expires_at = now() + @duration
                FROM unnest(@ids, @epochs) AS l(id, epoch)
                WHERE j.id = l.id AND j.lease_epoch = l.epoch AND j.state IN {JobStateSql.RunningSlot}
                RETURNING j.id, j.lease_epoch, j.state
                """,
                ("duration", leases.CurrentValue.Duration),
                ("ids", runs.Select(r => r.Job.Id).ToArray()),
                ("epochs", runs.Select(r => r.Job.LeaseEpoch).ToArray()));
            await using var reader = await command.ExecuteReaderAsync(token);
            // By job and epoch: a job re-claimed here can have a fenced-off previous run still ending beside the new one.
            var states = new Dictionary<(Guid, long), JobState>();
            while (await reader.ReadAsync(token))
            {
                states[(reader.GetGuid(0), reader.GetInt64(1))] = StateNames.ParseJobState(reader.GetString(2));
            }
            return states;
        }, ct);

        metrics.LeaseRenewed(renewed.Count);
        foreach (var run in runs)
        {
            if (renewed.TryGetValue((run.Job.Id, run.Job.LeaseEpoch), out var state))
            {
                if (state == JobState.Cancelling)
                {
                    run.Stop(StopReason.Cancelled);
                }
            }
            else if (!run.IsFinishing)
            {
                metrics.FencingRejected("lease-renewal");
                logger.LogWarning("Job {JobId}: lease renewal with epoch {Epoch} rejected; another executor owns the job. Stopping.", run.Job.Id, run.Job.LeaseEpoch);
                run.Stop(StopReason.LeaseLost);
            }
        }
    }
}
