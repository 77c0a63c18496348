namespace Platform.Coordination;

internal sealed class RedisSemaphore(RedisLeases leases) : IDistributedSemaphore
{
    public Task<SemaphoreLease?> TryAcquireAsync(string resource, int limit, CancellationToken ct = default) =>
        AcquireAsync(resource, limit, TimeSpan.Zero, ct);

    public async Task<SemaphoreLease?> AcquireAsync(string resource, int limit, TimeSpan maxWait, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var held = await leases.AcquireAsync(LeaseTarget.ForSemaphore(resource), limit, maxWait, ct);
        return held is null ? null : new SemaphoreLease(held);
    }

    public Task<IReadOnlyList<int>> CountHoldersAsync(IReadOnlyList<string> resources, CancellationToken ct = default) =>
        leases.CountAsync([.. resources.Select(LeaseTarget.ForSemaphore)], ct);

    public Task<bool> IsHeldAsync(string resource, string leaseId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(leaseId);
        return leases.IsHeldAsync(LeaseTarget.ForSemaphore(resource), leaseId, ct);
    }
}
