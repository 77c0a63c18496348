using System.Collections.Concurrent;
using Platform.Api.Formats;
using Platform.Api.Jobs;
using Platform.Coordination;

namespace Platform.Api.Dispatch;

/// <summary>Why an executing job was told to stop. The first reason wins.</summary>
public enum StopReason
{
    None,
    /// <summary>The user cancelled (Redis "platform:cancel" message, or the renewal saw state 'cancelling').</summary>
    Cancelled,
    /// <summary>The lease epoch moved on (rescued by another replica): this executor must not write again.</summary>
    LeaseLost,
    /// <summary>This instance is shutting down: hand the job back.</summary>
    Shutdown,
    /// <summary>
    /// The capture's reservation (host politeness slot, Scraper page) could no longer be guaranteed (Redis restarted empty,
    /// failed over, unreachable past the lease): the job goes back to the queue with its attempt unspent, and runs again
    /// once the dispatcher can reserve for it.
    /// </summary>
    CaptureReservationLost,
}

/// <summary>
/// One job executing on this replica: its claim, what it holds (the user's slot, its capture reservation), its cancellation
/// and why it was stopped. Owned by the dispatcher.
/// </summary>
public sealed class JobRun(ClaimedJob job, SemaphoreLease? userSlot, TimeProvider time, CaptureReservation? capture = null) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private int _reason;

    public ClaimedJob Job { get; } = job;

    /// <summary>The Redis fast-path slot of the user's running limit (null when Redis was unavailable at claim time).</summary>
    public SemaphoreLease? UserSlot { get; } = userSlot;

    /// <summary>What the dispatcher reserved for the job's capture (host politeness slot, Scraper page); released as soon as
    /// the capture ends, so the host and the page serve the next job while this one's text formats run.</summary>
    public CaptureReservation? Capture { get; } = capture;

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    /// <summary>The executor's task, awaited on shutdown.</summary>
    public Task Execution { get; set; } = Task.CompletedTask;

    /// <summary>Fires on cancel, lost lease or shutdown; every task and outgoing call of the job observes it.</summary>
    public CancellationToken Token => _stop.Token;

    public StopReason Reason => (StopReason)Volatile.Read(ref _reason);

    /// <summary>Set just before the final write so a renewal racing with it is not mistaken for a lost lease.</summary>
    public bool IsFinishing { get; set; }

    /// <summary>The state the job ended in, once its end was written with its last task's result.</summary>
    public JobState? Finished { get; set; }

    public void Stop(StopReason reason)
    {
        if (Interlocked.CompareExchange(ref _reason, (int)reason, (int)StopReason.None) == (int)StopReason.None)
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run ended while a cancel signal for it was in flight.
            }
        }
    }

    public void Dispose() => _stop.Dispose();
}

/// <summary>
/// The runs executing on this replica, by job and lease epoch: for cancel signals, lease renewal and heartbeats. A job
/// can have two runs here for a moment: re-claimed by this replica (a new epoch) while its fenced-off previous run is
/// still ending. Both hold an executor slot; each is removed by its own end, so neither end untracks the other.
/// </summary>
public sealed class ExecutingJobs
{
    private readonly ConcurrentDictionary<(Guid JobId, long Epoch), JobRun> _runs = new();

    public int Count => _runs.Count;
    public IReadOnlyCollection<JobRun> Snapshot() => [.. _runs.Values];

    /// <summary>False only if this very claim (job and epoch) is already tracked, which no claim can produce.</summary>
    public bool TryAdd(JobRun run) => _runs.TryAdd(Key(run), run);

    public void Remove(JobRun run) => _runs.TryRemove(new KeyValuePair<(Guid, long), JobRun>(Key(run), run));

    /// <summary>The job's current run here (the newest epoch), if any.</summary>
    public JobRun? Find(Guid jobId) => _runs.Values.Where(r => r.Job.Id == jobId).MaxBy(r => r.Job.LeaseEpoch);

    private static (Guid, long) Key(JobRun run) => (run.Job.Id, run.Job.LeaseEpoch);
}
