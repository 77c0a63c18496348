using Microsoft.Extensions.Options;

namespace Platform.Coordination;

/// <summary>Configuration section "Coordination": how long Redis leases live and how waiters and holders pace themselves.</summary>
public sealed class CoordinationOptions
{
    public const string Section = "Coordination";

    /// <summary>How long a lease lives on the Redis server clock without a renewal. A crashed holder's slot frees after this.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often a held lease is renewed. Must be under half the lease so one failed renewal can be retried in time.</summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Ceiling of a waiter's safety-net poll. Waiters are woken by pub/sub when a lease is released, and sleep no longer than
    /// the earliest lease's expiry (a crashed holder never publishes); the poll (a quarter of this, doubling, jittered, up to
    /// this) only covers lost messages.
    /// </summary>
    public TimeSpan WaitPollInterval { get; set; } = TimeSpan.FromSeconds(1);
}

internal sealed class CoordinationOptionsValidator : IValidateOptions<CoordinationOptions>
{
    // Timers take at most ~49 days; a day is already far beyond any sensible lease or poll.
    private static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);

    public ValidateOptionsResult Validate(string? name, CoordinationOptions options)
    {
        var failures = new List<string>();
        if (options.LeaseDuration < TimeSpan.FromMilliseconds(100) || options.LeaseDuration > MaxInterval)
        {
            failures.Add($"Coordination:LeaseDuration must be between 100 ms and 1 day (was {options.LeaseDuration}).");
        }
        if (options.RenewInterval <= TimeSpan.Zero)
        {
            failures.Add($"Coordination:RenewInterval must be positive (was {options.RenewInterval}).");
        }
        else if (options.RenewInterval >= options.LeaseDuration / 2)
        {
            failures.Add(
                $"Coordination:RenewInterval ({options.RenewInterval}) must be less than half of Coordination:LeaseDuration ({options.LeaseDuration}) " +
                "so a lease survives one failed renewal.");
        }
        if (options.WaitPollInterval <= TimeSpan.Zero || options.WaitPollInterval > MaxInterval)
        {
            failures.Add($"Coordination:WaitPollInterval must be positive and at most 1 day (was {options.WaitPollInterval}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
