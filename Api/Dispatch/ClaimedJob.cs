using Platform.Api.Jobs;

namespace Platform.Api.Dispatch;

/// <summary>What a claim hands the executor: the job's input and the lease epoch that fences every write it makes.</summary>
public sealed record ClaimedJob(
    Guid Id,
    string OwnerId,
    long LeaseEpoch,
    int Attempt,
    string? SourceUrl,
    string? SourceText,
    string OptionsJson,
    DateTimeOffset QueuedAt,
    IReadOnlyList<ClaimedTask> Tasks,
    string? TraceParent = null);

public sealed record ClaimedTask(string Format, TaskState State, int Attempts);

/// <summary>A write carried a lease epoch that is no longer the job's: another executor owns it now. The executor must stop.</summary>
public sealed class FencingRejectedException(Guid jobId, long epoch, string write)
    : Exception($"Job {jobId}: {write} with lease epoch {epoch} was rejected; the lease has moved on.")
{
    public Guid JobId { get; } = jobId;
    public long Epoch { get; } = epoch;
    public string Write { get; } = write;
}
