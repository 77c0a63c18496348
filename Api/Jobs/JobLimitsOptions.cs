using System.ComponentModel.DataAnnotations;

namespace Platform.Api.Jobs;

/// <summary>Per-user and per-replica limits of the job engine (section "JobLimits").</summary>
public sealed class JobLimitsOptions
{
    public const string Section = "JobLimits";

    /// <summary>Jobs of one user running at once, across all replicas (Redis semaphore, PostgreSQL backstop).</summary>
    [Range(1, 1000)] public int RunningPerUser { get; set; } = 3;

    /// <summary>Jobs of one user waiting beyond those that can start now; a submission beyond it gets 429.</summary>
    [Range(0, 10_000)] public int QueuedPerUser { get; set; } = 5;

    /// <summary>Jobs one Api replica executes at once.</summary>
    [Range(1, 1000)] public int ExecutorSlotsPerReplica { get; set; } = 8;

    /// <summary>Tasks of one job running at once.</summary>
    [Range(1, 64)] public int TaskParallelism { get; set; } = 4;

    /// <summary>A queued job waiting longer than this becomes expired.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")] public TimeSpan MaxQueueWait { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Executor attempts of a job (an attempt ends when its executor's lease expires) before it fails.</summary>
    [Range(1, 100)] public int MaxAttempts { get; set; } = 3;

    /// <summary>Retry-After sent with a 429 from admission.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan AdmissionRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A new job is admitted when it can take a free running slot or a queue place: running jobs that could start now do
    /// not count against the queue, so 3 running + 5 queued = 8 in flight per user with the defaults.
    /// </summary>
    public bool Admits(UsageCounts usage) =>
        usage.Queued < QueuedPerUser + Math.Max(0, RunningPerUser - usage.Running);
}

/// <summary>A user's jobs that hold a running slot (running, cancelling) and that wait (queued).</summary>
public readonly record struct UsageCounts(int Running, int Queued);

/// <summary>Limits on what one request may carry (section "SubmissionLimits").</summary>
public sealed class SubmissionLimits
{
    public const string Section = "SubmissionLimits";

    /// <summary>Largest request body in bytes (Kestrel answers 413 beyond it).</summary>
    [Range(1024, 100 * 1024 * 1024)] public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Longest pasted text, in characters.</summary>
    [Range(1, 50_000_000)] public int MaxTextChars { get; set; } = 200_000;

    /// <summary>Longest URL as stored (percent-encoded); at most the jobs.source_url column's 4096.</summary>
    [Range(16, UrlColumnLength)] public int MaxUrlLength { get; set; } = 2048;

    public const int UrlColumnLength = 4096;

    /// <summary>Most entries in a job's "formats" list (there are about twenty formats; more is a mistake or an attack).</summary>
    [Range(1, 256)] public int MaxFormatsPerJob { get; set; } = 32;

    /// <summary>Most URLs in one POST /api/jobs/batch.</summary>
    [Range(1, 10_000)] public int MaxBatchItems { get; set; } = 50;

    /// <summary>Largest "options" object, in bytes of JSON.</summary>
    [Range(2, 1024 * 1024)] public int MaxOptionsBytes { get; set; } = 16 * 1024;

    /// <summary>Longest Idempotency-Key; at most the idempotency_records.key column's 200 (a batch item adds "#index" to it).</summary>
    [Range(1, IdempotencyKeyColumnLength)] public int MaxIdempotencyKeyLength { get; set; } = IdempotencyKeyColumnLength;

    public const int IdempotencyKeyColumnLength = 200;
}
