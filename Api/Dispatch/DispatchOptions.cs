using System.ComponentModel.DataAnnotations;

namespace Platform.Api.Dispatch;

/// <summary>Section "Leases": how long a claim is good for without renewal, and how often executors renew and rescuers look.</summary>
public sealed class LeaseOptions : IValidatableObject
{
    public const string Section = "Leases";

    /// <summary>A job whose executor stops renewing is rescued after at most this (plus one rescue interval).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(15);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:20:00")] public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often every replica's rescuer looks for expired leases and over-aged queued jobs.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:20:00")] public TimeSpan RescueInterval { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RenewInterval * 2 > Duration)
        {
            yield return new ValidationResult("Leases:RenewInterval must be at most half of Leases:Duration so one missed renewal does not lose the lease.",
                [nameof(RenewInterval), nameof(Duration)]);
        }
    }
}

/// <summary>Section "Dispatch".</summary>
public sealed class DispatchOptions
{
    public const string Section = "Dispatch";

    /// <summary>Safety-net poll; dispatchers are normally woken by PostgreSQL NOTIFY.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")] public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Users considered per dispatch round (each gets at most one job per round: round-robin).</summary>
    [Range(1, 1000)] public int UsersPerRound { get; set; } = 32;

    /// <summary>Distinct target servers of queued URL jobs whose capacity a round checks (one Redis round trip for all).</summary>
    [Range(1, 100_000)] public int TargetServersPerRound { get; set; } = 1_000;

    /// <summary>Progress events per task at most this often (latest wins in between).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")] public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Streamed output is batched into one event per task this often.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")] public TimeSpan OutputInterval { get; set; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>Section "Retries": how a task retries transient failures within one job attempt.</summary>
public sealed class TaskRetryOptions
{
    public const string Section = "Retries";

    /// <summary>Tries of one task, the first included.</summary>
    [Range(1, 20)] public int MaxTaskAttempts { get; set; } = 4;

    /// <summary>The backoff ceiling of try n is BaseDelay·2^(n-1), capped at MaxDelay; the delay is uniform in [0, ceiling) (full jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")] public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")] public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);
}
