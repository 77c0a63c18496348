using System.Diagnostics.Metrics;

namespace Platform.Api.Security;

/// <summary>Meter "Platform.Security": abuse-limit decisions by limit and outcome.</summary>
public sealed class SecurityMetrics
{
    public const string MeterName = "Platform.Security";

    private readonly Counter<long> _decisions;

    public SecurityMetrics(IMeterFactory meterFactory)
    {
        _decisions = meterFactory.Create(MeterName).CreateCounter<long>("platform.security.rate_limit.decisions", "{decision}",
            "Abuse-limit checks by limit and outcome (allowed, refused, unavailable = Redis down, let through).");
    }

    /// <summary>Outcome: allowed, refused, or unavailable (Redis down, let through).</summary>
    public void RateLimitDecided(string limit, string outcome) => _decisions.Add(1, new("limit", limit), new("outcome", outcome));
}
