using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Platform.Coordination;

namespace Platform.Api.Security;

/// <summary>The abuse limits by name; each names its key (what one bucket counts).</summary>
public enum AbuseLimit
{
    RegisterPerIp,
    LoginPerIp,
    LoginPerAccountPerIp,
    LoginPerAccount,
    SubmissionsPerUser,
}

/// <summary>
/// Checks the abuse limits in Redis (<see cref="RedisRateLimits"/>), so they hold across replicas. Keys are the client
/// address (from the trusted gateway's X-Forwarded-For, see <see cref="ClientAddressExtensions"/>), the normalized
/// account email, or the user id. When Redis cannot answer, requests pass (fail open, counted and logged): an outage
/// must not lock every user out. Decisions are counted by <see cref="SecurityMetrics"/>.
/// </summary>
public sealed partial class AbuseLimits
{
    private readonly RedisRateLimits _redis;
    private readonly IOptionsMonitor<AbuseLimitsOptions> _options;
    private readonly ILogger<AbuseLimits> _logger;
    private readonly SecurityMetrics _metrics;

    public AbuseLimits(RedisRateLimits redis, IOptionsMonitor<AbuseLimitsOptions> options, ILogger<AbuseLimits> logger, SecurityMetrics metrics)
    {
        _redis = redis;
        _options = options;
        _logger = logger;
        _metrics = metrics;
    }

    /// <summary>Takes one permit from each limit in order; the first refusal stops (later buckets are not charged).</summary>
    public async Task<RateLimitDecision> CheckAsync(CancellationToken ct, params (AbuseLimit Limit, string Key)[] checks)
    {
        foreach (var (limit, key) in checks)
        {
            var decision = await TakeAsync(limit, key, ct);
            if (!decision.Allowed)
            {
                return decision;
            }
        }
        return RateLimitDecision.Allow;
    }

    private async Task<RateLimitDecision> TakeAsync(AbuseLimit limit, string key, CancellationToken ct)
    {
        var name = limit.ToString();
        try
        {
            var decision = await _redis.TryTakeAsync($"{name}:{key}", Rule(limit), ct);
            _metrics.RateLimitDecided(name, decision.Allowed ? "allowed" : "refused");
            if (!decision.Allowed)
            {
                LogRefused(name, decision.RetryAfter.TotalSeconds);
            }
            return decision;
        }
        catch (CoordinationUnavailableException e)
        {
            _metrics.RateLimitDecided(name, "unavailable");
            LogUnavailable(name, e.Message);
            return RateLimitDecision.Allow;
        }
    }

    private RateLimitRule Rule(AbuseLimit limit)
    {
        var options = _options.CurrentValue;
        return limit switch
        {
            AbuseLimit.RegisterPerIp => options.RegisterPerIp,
            AbuseLimit.LoginPerIp => options.LoginPerIp,
            AbuseLimit.LoginPerAccountPerIp => options.LoginPerAccountPerIp,
            AbuseLimit.LoginPerAccount => options.LoginPerAccount,
            AbuseLimit.SubmissionsPerUser => options.SubmissionsPerUser,
            _ => throw new ArgumentOutOfRangeException(nameof(limit), limit, null),
        };
    }

    /// <summary>The client's address as the trusted gateway reported it ("unknown" only without a connection address).</summary>
    public static string ClientKey(HttpContext http) =>
        http.Connection.RemoteIpAddress is { } address ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString() : "unknown";

    /// <summary>One bucket per account whatever the case or padding of the email typed, known account or not.</summary>
    public static string AccountKey(string email) => email.Trim().ToUpperInvariant();

    /// <summary>429 problem details with Retry-After (whole seconds, at least 1).</summary>
    public static ProblemHttpResult TooManyRequests(HttpContext http, RateLimitDecision decision)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status429TooManyRequests,
            Title = "Too many requests",
            Detail = $"Too many attempts. Try again in {seconds} s.",
            Extensions = { ["retryAfter"] = seconds },
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Abuse limit {Limit} refused a request; next permit in {RetryAfterSeconds:0.0} s")]
    private partial void LogRefused(string limit, double retryAfterSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Abuse limit {Limit} not checked, Redis unavailable ({Reason}); request let through")]
    private partial void LogUnavailable(string limit, string reason);
}

/// <summary>Endpoint filters that apply a per-client or per-user limit before the handler runs.</summary>
public static class AbuseLimitEndpointExtensions
{
    /// <summary>One permit of <paramref name="limit"/> per call, keyed by the client's address.</summary>
    public static TBuilder RequireClientLimit<TBuilder>(this TBuilder builder, AbuseLimit limit) where TBuilder : IEndpointConventionBuilder =>
        builder.AddAbuseLimitFilter(limit, AbuseLimits.ClientKey);

    /// <summary>One permit of <paramref name="limit"/> per call, keyed by the signed-in user's id.</summary>
    public static TBuilder RequireUserLimit<TBuilder>(this TBuilder builder, AbuseLimit limit) where TBuilder : IEndpointConventionBuilder =>
        builder.AddAbuseLimitFilter(limit, http => http.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? AbuseLimits.ClientKey(http));

    private static TBuilder AddAbuseLimitFilter<TBuilder>(this TBuilder builder, AbuseLimit limit, Func<HttpContext, string> key)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status429TooManyRequests, typeof(ProblemDetails), ["application/problem+json"]))
            .AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var decision = await http.RequestServices.GetRequiredService<AbuseLimits>().CheckAsync(http.RequestAborted, (limit, key(http)));
            return decision.Allowed ? await next(context) : AbuseLimits.TooManyRequests(http, decision);
        });
}
