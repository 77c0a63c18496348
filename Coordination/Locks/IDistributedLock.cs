namespace Platform.Coordination;

/// <summary>A mutual-exclusion lock shared by every replica, with a fencing token per acquisition.</summary>
public interface IDistributedLock
{
    /// <summary>
    /// Waits up to <paramref name="maxWait"/> (<see cref="TimeSpan.Zero"/> = one attempt) for the lock. Returns null when the
    /// wait timed out; throws <see cref="OperationCanceledException"/> when <paramref name="ct"/> fires.
    /// </summary>
    /// <exception cref="CoordinationUnavailableException">Redis is unreachable; fall back to the PostgreSQL guarantee.</exception>
    Task<LockLease?> TryAcquireAsync(string name, TimeSpan maxWait, CancellationToken ct = default);
}
