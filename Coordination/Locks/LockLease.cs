namespace Platform.Coordination;

/// <summary>A held distributed lock, renewed in the background until disposed. Always <c>await using</c> it.</summary>
public sealed class LockLease : IAsyncDisposable
{
    private readonly HeldLease _lease;

    internal LockLease(HeldLease lease) => _lease = lease;

    public string Name => _lease.Target.Name;

    public string LeaseId => _lease.LeaseId;

    /// <summary>
    /// Strictly increasing per lock name, so a resource can reject a write from a holder that has since been superseded.
    /// Seeded from the Redis server clock (microseconds) when the counter is missing, so it keeps increasing even after
    /// Redis restarts empty, as long as the server clock does not step backwards.
    /// </summary>
    public long FencingToken => _lease.FencingToken;

    /// <summary>Fires when the lock can no longer be guaranteed (see <see cref="SemaphoreLease.LeaseLost"/>).</summary>
    public CancellationToken LeaseLost => _lease.LeaseLost;

    /// <summary>Releases the lock (ZREM + PUBLISH) and stops renewal. Never throws; safe to call twice.</summary>
    public ValueTask DisposeAsync() => _lease.ReleaseAsync();

    public override string ToString() => $"lock {Name} token {FencingToken} lease {LeaseId}";
}
