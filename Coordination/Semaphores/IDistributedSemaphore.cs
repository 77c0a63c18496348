namespace Platform.Coordination;

/// <summary>
/// A counting semaphore shared by every replica: at most <c>limit</c> leases on a resource at once. Resource names follow
/// "kind:id" ("user-jobs:{userId}", "host:{hostname}", "model-endpoint"); the kind is what metrics are tagged with.
/// </summary>
public interface IDistributedSemaphore
{
    /// <summary>One attempt. Returns null when the resource is at its limit.</summary>
    /// <exception cref="CoordinationUnavailableException">Redis is unreachable; fall back to the PostgreSQL guarantee.</exception>
    Task<SemaphoreLease?> TryAcquireAsync(string resource, int limit, CancellationToken ct = default);

    /// <summary>
    /// Waits up to <paramref name="maxWait"/> (or <see cref="Timeout.InfiniteTimeSpan"/>) for a slot, woken by releases.
    /// Returns null when the wait timed out; throws <see cref="OperationCanceledException"/> when <paramref name="ct"/> fires.
    /// </summary>
    /// <exception cref="CoordinationUnavailableException">Redis is unreachable; fall back to the PostgreSQL guarantee.</exception>
    Task<SemaphoreLease?> AcquireAsync(string resource, int limit, TimeSpan maxWait, CancellationToken ct = default);
}
