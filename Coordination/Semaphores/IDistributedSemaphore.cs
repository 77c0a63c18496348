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

    /// <summary>
    /// How many leases each resource has right now (not yet expired on the Redis clock), in one round trip and without
    /// changing anything: for a caller that decides what to try before it tries (a dispatcher skipping full hosts).
    /// The answer can be stale by the time it arrives; acquiring is still the only decision.
    /// </summary>
    /// <exception cref="CoordinationUnavailableException">Redis is unreachable.</exception>
    Task<IReadOnlyList<int>> CountHoldersAsync(IReadOnlyList<string> resources, CancellationToken ct = default);

    /// <summary>
    /// Whether the lease <paramref name="leaseId"/> (<see cref="SemaphoreLease.LeaseId"/>) still holds a slot of
    /// <paramref name="resource"/>: lets a process honour a slot another process acquired and keeps renewing.
    /// </summary>
    /// <exception cref="CoordinationUnavailableException">Redis is unreachable.</exception>
    Task<bool> IsHeldAsync(string resource, string leaseId, CancellationToken ct = default);
}
