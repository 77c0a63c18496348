using Microsoft.Extensions.Options;
using Platform.Api.Formats;
using Platform.Api.Jobs;
using Platform.Api.Live;
using Platform.Api.Ops;
using Platform.Coordination;

namespace Platform.Api.Dispatch;

/// <summary>
/// Every replica runs one. Woken by NOTIFY (or the safety poll), it fills its free executor slots round-robin across
/// users with jobs that can run now: each round first asks capture capacity which target servers are full and whether any
/// Scraper page is free, and passes over the URL jobs that could not start. Per user, first a slot of the Redis semaphore
/// "user-jobs:{userId}" (fast path, shared by all replicas), then the PostgreSQL claim that re-checks the limit under the
/// user's advisory lock (the guarantee) and, for a URL job, reserves its capture (host slot, page) before it commits.
/// Owns the executor slots (bound: JobLimits:ExecutorSlotsPerReplica; metric: platform.jobs.executor.slots_in_use) and
/// the running executions, which it stops and hands back on shutdown.
/// </summary>
public sealed class JobDispatcher(
    JobQueue queue,
    JobExecutor executor,
    ExecutingJobs executing,
    IDistributedSemaphore semaphore,
    ICaptureCapacity capacity,
    DispatchSignal signal,
    InstanceIdentity instance,
    IJobEventPublisher publisher,
    IOptionsMonitor<JobLimitsOptions> limits,
    IOptionsMonitor<LeaseOptions> leases,
    IOptionsMonitor<DispatchOptions> dispatch,
    JobMetrics metrics,
    ReplicaDrain drain,
    ILogger<JobDispatcher> logger) : BackgroundService
{
    public static string UserSemaphore(string userId) => $"user-jobs:{userId}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DispatchAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Dispatch round failed; retrying on the next wake-up.");
            }
            await signal.WaitAsync(dispatch.CurrentValue.PollInterval, stoppingToken);
        }
    }

    /// <summary>None while draining: the replica finishes what it runs and claims nothing new.</summary>
    private int FreeSlots => drain.IsDraining ? 0 : limits.CurrentValue.ExecutorSlotsPerReplica - executing.Count;

    private async Task DispatchAsync(CancellationToken ct)
    {
        while (FreeSlots > 0 && !ct.IsCancellationRequested)
        {
            var runningPerUser = limits.CurrentValue.RunningPerUser;
            var filter = await CaptureFilterAsync(ct);
            var users = await queue.NextUsersAsync(dispatch.CurrentValue.UsersPerRound, runningPerUser, filter, ct);
            // One job per user per round: the round-robin. The next round re-reads the order (these users now go last).
            // Claims of different users take different locks, so a round claims them concurrently.
            var round = users.Take(FreeSlots).ToList();
            var started = await Task.WhenAll(round.Select(user => TryStartAsync(user, runningPerUser, filter, ct)));
            if (!started.Contains(true))
            {
                return;
            }
        }
    }

    /// <summary>What this round passes over: URL jobs of full target servers; every URL job when no page is free or Redis is down.</summary>
    private async Task<QueueFilter> CaptureFilterAsync(CancellationToken ct)
    {
        var servers = await queue.QueuedServersAsync(dispatch.CurrentValue.TargetServersPerRound, ct);
        try
        {
            var view = await capacity.ViewAsync(servers, ct);
            return new QueueFilter(view.FullServers, CaptureBlocked: !view.PageFree);
        }
        catch (CoordinationUnavailableException ex)
        {
            // Politeness cannot be checked, so no capture may start (the Scraper would refuse it); text jobs go on.
            logger.LogDebug(ex, "Redis unavailable; URL jobs wait until capture capacity can be reserved.");
            return new QueueFilter([], CaptureBlocked: true);
        }
    }

    private async Task<bool> TryStartAsync(string userId, int runningPerUser, QueueFilter filter, CancellationToken ct)
    {
        SemaphoreLease? userSlot = null;
        try
        {
            userSlot = await semaphore.TryAcquireAsync(UserSemaphore(userId), runningPerUser, ct);
            if (userSlot is null)
            {
                return false;
            }
        }
        catch (CoordinationUnavailableException ex)
        {
            // Redis is down: the PostgreSQL claim below still enforces the limit, only the fast path is missing.
            logger.LogDebug(ex, "Redis unavailable; dispatching on the PostgreSQL guarantee alone.");
        }

        try
        {
            var claim = await queue.ClaimNextAsync(userId, instance.Id, leases.CurrentValue.Duration, runningPerUser, filter, capacity, ct);
            if (claim is not { } claimed)
            {
                if (userSlot is not null)
                {
                    await userSlot.DisposeAsync();
                }
                return false;
            }
            foreach (var e in claimed.Events)
            {
                await publisher.PublishAsync(e, ct);
            }
            Start(new JobRun(claimed.Job, userSlot, claimed.Capture));
            return true;
        }
        catch
        {
            if (userSlot is not null)
            {
                await userSlot.DisposeAsync();
            }
            throw;
        }
    }

    private void Start(JobRun run)
    {
        metrics.Started(DateTimeOffset.UtcNow - run.Job.QueuedAt, run.Job.SourceUrl is null ? "text" : "url");
        if (!executing.TryAdd(run))
        {
            // A run nobody tracks is never renewed nor cancellable: refuse it; its lease expires and it is rescued.
            throw new InvalidOperationException($"Job {run.Job.Id} epoch {run.Job.LeaseEpoch} is already executing here.");
        }
        metrics.SetSlotsInUse(executing.Count);
        logger.LogDebug("Job {JobId} claimed (attempt {Attempt}, epoch {Epoch}).", run.Job.Id, run.Job.Attempt, run.Job.LeaseEpoch);
        // Start is only called from the dispatch loop, which StopAsync waits out before reading Execution.
        run.Execution = Task.Run(async () =>
        {
            try
            {
                await executor.ExecuteAsync(run);
            }
            finally
            {
                executing.Remove(run);
                metrics.SetSlotsInUse(executing.Count);
                if (run.UserSlot is not null)
                {
                    await run.UserSlot.DisposeAsync();
                }
                if (run.Capture is not null)
                {
                    await run.Capture.DisposeAsync(); // normally released when the capture ended
                }
                run.Dispose();
                signal.Wake();
            }
        });
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        var runs = executing.Snapshot();
        foreach (var run in runs)
        {
            run.Stop(StopReason.Shutdown);
        }
        await Task.WhenAll(runs.Select(r => r.Execution)).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
