using Microsoft.Extensions.Options;
using Platform.Coordination;

namespace Platform.Api.Security;

/// <summary>
/// Section "AbuseLimits": rate limits that hold across replicas (Redis, GCRA). Each is "PermitLimit per Window", a burst
/// that refills evenly. Over a limit the answer is 429 with Retry-After; nothing locks, every limit refills by itself.
/// </summary>
public sealed class AbuseLimitsOptions
{
    public const string Section = "AbuseLimits";

    /// <summary>Registrations from one client address.</summary>
    public RateLimitRule RegisterPerIp { get; set; } = new() { PermitLimit = 5, Window = TimeSpan.FromHours(1) };

    /// <summary>Sign-in attempts from one client address, whatever the account.</summary>
    public RateLimitRule LoginPerIp { get; set; } = new() { PermitLimit = 30, Window = TimeSpan.FromMinutes(10) };

    /// <summary>Sign-in attempts for one account from one client address: guessing from one place stops here, and
    /// does not lock the account for its owner elsewhere.</summary>
    public RateLimitRule LoginPerAccountPerIp { get; set; } = new() { PermitLimit = 10, Window = TimeSpan.FromMinutes(15) };

    /// <summary>Sign-in attempts for one account from anywhere: bounds guessing spread over many addresses.</summary>
    public RateLimitRule LoginPerAccount { get; set; } = new() { PermitLimit = 50, Window = TimeSpan.FromMinutes(15) };

    /// <summary>Job submissions (single, batch, retry) of one user.</summary>
    public RateLimitRule SubmissionsPerUser { get; set; } = new() { PermitLimit = 120, Window = TimeSpan.FromMinutes(1) };
}

internal sealed class AbuseLimitsOptionsValidator : IValidateOptions<AbuseLimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, AbuseLimitsOptions options)
    {
        var rules = new Dictionary<string, RateLimitRule>
        {
            [nameof(options.RegisterPerIp)] = options.RegisterPerIp,
            [nameof(options.LoginPerIp)] = options.LoginPerIp,
            [nameof(options.LoginPerAccountPerIp)] = options.LoginPerAccountPerIp,
            [nameof(options.LoginPerAccount)] = options.LoginPerAccount,
            [nameof(options.SubmissionsPerUser)] = options.SubmissionsPerUser,
        };
        var failures = new List<string>();
        foreach (var (key, rule) in rules)
        {
            var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
            if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(rule, new(rule), results, validateAllProperties: true))
            {
                failures.AddRange(results.Select(r => $"{AbuseLimitsOptions.Section}:{key}: {r.ErrorMessage}"));
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
