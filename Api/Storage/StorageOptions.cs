using System.ComponentModel.DataAnnotations;

namespace Platform.Api.Storage;

/// <summary>Section "Storage": how long finished jobs are kept and how much output one user may keep (DESIGN "Security").</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>A finished job (and its tasks, events, outputs and idempotency records) is deleted this long after it finished.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")] public TimeSpan RetainFinishedJobsFor { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often each replica looks for jobs past retention.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")] public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Jobs deleted per statement, so one purge never holds many locks or a long transaction.</summary>
    [Range(1, 100_000)] public int RetentionBatchSize { get; set; } = 500;

    /// <summary>Bytes of outputs one user may keep; a submission beyond it is refused until the user deletes jobs or they expire.</summary>
    [Range(1L, long.MaxValue)] public long QuotaBytesPerUser { get; set; } = 1024L * 1024 * 1024;
}
