using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Api.Jobs;

namespace Platform.Api.Storage;

/// <summary>
/// Deletes finished jobs older than <see cref="StorageOptions.RetainFinishedJobsFor"/>; tasks, events, artifacts and
/// idempotency records go with them (foreign keys cascade). Owner: one per Api replica, every replica runs it; safe
/// together because each batch takes its rows with FOR UPDATE SKIP LOCKED, so two replicas never wait on or double-count
/// the same job. Bound: <see cref="StorageOptions.RetentionBatchSize"/> jobs per statement, batches until none is left.
/// Cancellation: the host's stopping token. Metric: platform.storage.jobs_purged (<see cref="StorageMetrics"/>).
/// </summary>
public sealed class RetentionService(
    NpgsqlDataSource database,
    IOptionsMonitor<StorageOptions> options,
    TimeProvider time,
    StorageMetrics metrics,
    ILogger<RetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var purged = await PurgeAsync(stoppingToken);
                if (purged > 0)
                {
                    logger.LogInformation("Retention deleted {Jobs} jobs finished before {Cutoff:o}", purged,
                        time.GetUtcNow() - options.CurrentValue.RetainFinishedJobsFor);
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Retention pass failed, retried next interval: {Message}", e.Message);
            }
            await Task.Delay(options.CurrentValue.RetentionInterval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>One pass: deletes every job past retention, a batch per statement. Returns how many.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var settings = options.CurrentValue;
        var cutoff = time.GetUtcNow() - settings.RetainFinishedJobsFor;
        var total = 0;
        while (true)
        {
            await using var command = database.CreateCommand(
                $"""
                DELETE FROM jobs WHERE id IN (
                    SELECT id FROM jobs
                    WHERE finished_at < @cutoff AND state IN {JobStateSql.Finished}
                    ORDER BY finished_at
                    LIMIT @batch
                    FOR UPDATE SKIP LOCKED)
                """);
            command.Parameters.AddWithValue("cutoff", cutoff);
            command.Parameters.AddWithValue("batch", settings.RetentionBatchSize);
            var deleted = await command.ExecuteNonQueryAsync(ct);
            total += deleted;
            metrics.JobsPurged(deleted);
            if (deleted < settings.RetentionBatchSize)
            {
                return total;
            }
        }
    }
}
