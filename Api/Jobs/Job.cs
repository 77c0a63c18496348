namespace Platform.Api.Jobs;

/// <summary>One source (URL or pasted text) and the formats asked for; the row is also the lease and fencing authority.</summary>
public sealed class Job
{
    public Guid Id { get; set; }
    public required string OwnerId { get; set; }

    public string? SourceUrl { get; set; }
    public string? SourceText { get; set; }
    public required string[] Formats { get; set; }

    /// <summary>The submitted "options" object as JSON (jsonb).</summary>
    public string Options { get; set; } = "{}";

    public JobState State { get; set; }

    /// <summary>1-based attempt; the rescuer adds one when an executor's lease expires, a retry adds one.</summary>
    public int Attempt { get; set; } = 1;
    public int MaxAttempts { get; set; }

    /// <summary>The fencing token: every claim and every rescue increments it; executor writes must carry the current one.</summary>
    public long LeaseEpoch { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    public string? OwnerInstance { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the job (re-)entered the queue by submission or retry; the maximum queue wait counts from here.</summary>
    public DateTimeOffset QueuedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? Error { get; set; }

    /// <summary>The W3C traceparent of the request that submitted the job: its execution, on whichever replica, joins
    /// that trace, so one trace shows gateway → Api → Scraper.</summary>
    public string? TraceParent { get; set; }

    /// <summary>A URL job's target server (the address its name resolved to at submission): its politeness slot,
    /// "host:{address}", is what the dispatcher reserves before it claims the job.</summary>
    public string? TargetServer { get; set; }

    /// <summary>Seq of the newest event; the next event gets LastSeq + 1 under the same row lock.</summary>
    public long LastSeq { get; set; }

    public List<JobTask> Tasks { get; set; } = [];
}

/// <summary>One requested format of a job.</summary>
public sealed class JobTask
{
    public Guid JobId { get; set; }
    public required string Format { get; set; }
    public TaskState State { get; set; }
    public double Progress { get; set; }

    /// <summary>Tries of this task in the current job attempt (transient failures retry in place).</summary>
    public int Attempts { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

/// <summary>An entry of a job's event log; (JobId, Seq) is unique and Seq has no gaps.</summary>
public sealed class JobEvent
{
    public Guid JobId { get; set; }
    public long Seq { get; set; }
    public required string Type { get; set; }
    public DateTimeOffset At { get; set; }

    /// <summary>Event payload as JSON (jsonb).</summary>
    public required string Data { get; set; }
}

/// <summary>The result of one task: one per (job, format), replaced if a later attempt recomputes it.</summary>
public sealed class JobArtifact
{
    public Guid JobId { get; set; }
    public required string Format { get; set; }
    public required string ContentType { get; set; }
    public long Size { get; set; }
    public required string Sha256 { get; set; }
    public required byte[] Bytes { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// The bytes a user's stored results take, kept by the database itself: triggers on <c>artifacts</c> (a result stored,
/// replaced or removed for a rerun) and on <c>jobs</c> (a job deleted, with its results) add and subtract each change in
/// the same transaction (migration <c>StorageUsage</c>). Admission reads one row instead of summing every result the
/// user ever kept, which grew with each page of a site captured.
/// </summary>
public sealed class StorageUsage
{
    public required string OwnerId { get; set; }
    public long Bytes { get; set; }
}

/// <summary>Remembers which job an Idempotency-Key created, and the hash of the request that created it.</summary>
public sealed class IdempotencyRecord
{
    public required string UserId { get; set; }
    public required string Key { get; set; }
    public required string RequestHash { get; set; }
    public Guid JobId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
