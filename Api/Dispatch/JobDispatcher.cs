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
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<JobDispatcher> logger) : BackgroundService
{
    private volatile bool _stopping;
    public static string UserSemaphore(string userId) => $"user-jobs:{userId}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // This service is stopped only after others (the web server's graceful stop among them) are done, up to the host's
        // 30 s shutdown timeout — a chaos run's replica went on claiming and capturing that long after "Application is
        // shutting down". So the runs are handed back, and nothing more claimed, as soon as the application starts stopping.
        using var onStopping = lifetime.ApplicationStopping.Register(HandBackAll);
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

    /// <summary>None while draining (the replica finishes what it runs and claims nothing new) or stopping.</summary>
    private int FreeSlots => drain.IsDraining || _stopping ? 0 : limits.CurrentValue.ExecutorSlotsPerReplica - executing.Count;

    /// <summary>Claims nothing more and tells every run to hand its job back (each does, then ends).</summary>
    private void HandBackAll()
    {
        _stopping = true;
        foreach (var run in executing.Snapshot())
        {
            run.Stop(StopReason.Shutdown);
        }
    }

    private async Task DispatchAsync(CancellationToken ct)
    {
        // Capture capacity as seen at this wake-up: each user picked below spends from it, so a server gets no more users
        // than it has free slots and captures no more than there are free pages; the claim's reservation is the decision.
        if (FreeSlots == 0)
        {
            return;
        }
        var queued = await queue.QueuedWorkAsync(dispatch.CurrentValue.TargetServersPerRound, ct);
        if (!queued.Any)
        {
            return; // most wake-ups (a job ended, another replica claimed first) find nothing to do: one read, no more
        }
        var capture = await CaptureCapacityAsync(queued.Servers, ct);
        while (FreeSlots > 0 && !ct.IsCancellationRequested)
        {
            var runningPerUser = limits.CurrentValue.RunningPerUser;
            var filter = capture.Filter();
            var heads = await queue.NextHeadsAsync(dispatch.CurrentValue.UsersPerRound, runningPerUser, filter, ct);
            // One job per user per round: the round-robin. The next round re-reads the order (these users now go last).
            // Claims of different users take different locks, so a round claims them concurrently.
            var round = new List<string>();
            foreach (var head in heads.TakeWhile(_ => round.Count < FreeSlots))
            {
                if (capture.TryTake(head))
                {
                    round.Add(head.OwnerId);
                }
            }
            var started = await Task.WhenAll(round.Select(user => TryStartAsync(user, runningPerUser, filter, ct)));
            // A user passed over because its job's server (or every page) was spent may have other jobs that can run:
            // read again with that server passed over.
            if (!started.Contains(true) && !capture.Narrowed())
            {
                return;
            }
        }
    }

    private async Task<RoundCapacity> CaptureCapacityAsync(IReadOnlyList<string>? servers, CancellationToken ct)
    {
        if (servers is null)
        {
            // No URL job queued: nothing to ask Redis. One submitted since is still claimed only with its reservation.
            return new RoundCapacity(CaptureCapacityView.Unlimited);
        }
        try
        {
            return new RoundCapacity(await capacity.ViewAsync(servers, ct));
        }
        catch (CoordinationUnavailableException ex)
        {
            // Politeness cannot be checked, so no capture may start (the Scraper would refuse it); text jobs go on.
            logger.LogDebug(ex, "Redis unavailable; URL jobs wait until capture capacity can be reserved.");
            return RoundCapacity.NoCaptures;
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
            Start(new JobRun(claimed.Job, userSlot, time, claimed.Capture));
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
        metrics.Started(time.GetUtcNow() - run.Job.QueuedAt, run.Job.SourceUrl is null ? "text" : "url");
        if (!executing.TryAdd(run))
        {
            // A run nobody tracks is never renewed nor cancellable: refuse it; its lease expires and it is rescued.
            throw new InvalidOperationException($"Job {run.Job.Id} epoch {run.Job.LeaseEpoch} is already executing here.");
        }
        metrics.SetSlotsInUse(executing.Count);
        if (_stopping)
        {
            run.Stop(StopReason.Shutdown); // claimed while the application began stopping: straight back to the queue
        }
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
        _stopping = true;
        await base.StopAsync(cancellationToken);
        var runs = executing.Snapshot();
        foreach (var run in runs)
        {
            run.Stop(StopReason.Shutdown);
        }
        await Task.WhenAll(runs.Select(r => r.Execution)).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}

/// <summary>
/// One dispatch wake-up's budget of capture capacity (free host slots per target server, free pages), spent as users are
/// picked. Owned by the dispatch loop (single-threaded use).
/// </summary>
internal sealed class RoundCapacity
{
    private readonly Dictionary<string, int> _hostSlots;
    private readonly HashSet<string> _full;
    private int? _pages;
    private bool _captureBlocked;
    private bool _narrowed;

    public RoundCapacity(CaptureCapacityView view)
    {
        _hostSlots = new Dictionary<string, int>(view.FreeHostSlots, StringComparer.Ordinal);
        _full = new HashSet<string>(view.FullServers, StringComparer.Ordinal);
        _pages = view.FreePages;
        _captureBlocked = !view.PageFree;
    }

    public static RoundCapacity NoCaptures => new(new CaptureCapacityView(new Dictionary<string, int>(), 0));

    public QueueFilter Filter() => new([.. _full], _captureBlocked);

    /// <summary>Whether this user's next job fits what is left; a URL job spends a host slot and a page.</summary>
    public bool TryTake(QueueHead head)
    {
        if (!head.IsUrl)
        {
            return true;
        }
        if (_captureBlocked || _pages is <= 0)
        {
            _captureBlocked = _narrowed = true;
            return false;
        }
        if (head.TargetServer is { } server)
        {
            // A server not in the view (its first job arrived since) has all its slots: the reservation decides.
            var free = _hostSlots.GetValueOrDefault(server, int.MaxValue);
            if (free <= 0)
            {
                _full.Add(server);
                _narrowed = true;
                return false;
            }
            _hostSlots[server] = free - 1;
            if (free == 1)
            {
                _full.Add(server);
            }
        }
        _pages -= 1;
        return true;
    }

    /// <summary>True once after a user was passed over for a spent server or page budget: the next read passes over that
    /// server (or every capture), so it cannot return the same user for the same reason.</summary>
    public bool Narrowed()
    {
        var narrowed = _narrowed;
        _narrowed = false;
        return narrowed;
    }
}
