using System.ComponentModel.DataAnnotations;

namespace Platform.Coordination;

/// <summary>
/// At most <see cref="PermitLimit"/> requests per <see cref="Window"/>, as a burst or spread out: one permit comes back
/// every Window / PermitLimit (GCRA, the "generic cell rate algorithm": a token bucket kept as one timestamp).
/// </summary>
public sealed class RateLimitRule
{
    [Range(1, 1_000_000)] public int PermitLimit { get; set; } = 10;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")] public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long one permit takes to come back.</summary>
    public TimeSpan EmissionInterval => Window / PermitLimit;

    public override string ToString() => $"{PermitLimit} per {Window}";
}

/// <summary>A rate-limit decision: allowed, or refused with how long until the next permit.</summary>
public readonly record struct RateLimitDecision(bool Allowed, TimeSpan RetryAfter)
{
    public static RateLimitDecision Allow { get; } = new(true, TimeSpan.Zero);
}
