using System.Collections.Frozen;

namespace Platform.Gateway.Proxy;

/// <summary>Replicas that entered or left the rotation in one update (empty when nothing changed).</summary>
internal sealed record RotationChange(IReadOnlyList<KeyValuePair<string, string>> Joined, IReadOnlyList<string> Left)
{
    public static readonly RotationChange None = new([], []);

    public bool Any => Joined.Count > 0 || Left.Count > 0;
}

/// <summary>
/// The Api replicas the gateway routes to (destination id = instance id → the replica's own URL), from their heartbeats.
/// Live heartbeats of the Api that carry a URL are the rotation. An empty or unreadable registry keeps the last known
/// rotation (a Redis blip must not empty the gateway; active health checks judge the replicas meanwhile); before any
/// replica was ever seen, the service-discovery address stands in. Owned by <see cref="ReplicaRegistryWatcher"/>:
/// one writer; <see cref="Destinations"/> is swapped whole, so readers on other threads see one version or the next.
/// </summary>
internal sealed class ReplicaRotation
{
    /// <summary>The destination id of the service-discovery address (never an instance id: those carry a suffix).</summary>
    public const string ServiceDiscoveryDestination = "service-discovery";

    private readonly string _service;
    private readonly TimeSpan _staleAfter;

    public ReplicaRotation(string apiService, TimeSpan staleAfter)
    {
        _service = apiService;
        _staleAfter = staleAfter;
        Destinations = new Dictionary<string, string> { [ServiceDiscoveryDestination] = $"http://{apiService}" }.ToFrozenDictionary();
    }

    public IReadOnlyDictionary<string, string> Destinations { get; private set; }

    /// <summary>True until the first replica registers: everything goes through service discovery.</summary>
    public bool IsServiceDiscoveryFallback { get; private set; } = true;

    /// <param name="heartbeats">The registry's entries, or null when it could not be read.</param>
    /// <param name="now">The gateway's clock; a heartbeat older than the stale limit is a replica that is gone.</param>
    public RotationChange Apply(IReadOnlyCollection<ReplicaHeartbeat>? heartbeats, DateTimeOffset now)
    {
        var live = (heartbeats ?? [])
            .Where(b => string.Equals(b.Service, _service, StringComparison.Ordinal) && now - b.LastSeen <= _staleAfter)
            .Select(b => (b.Instance, Address: RoutableAddress(b.Url)))
            .Where(b => b.Address is not null)
            .GroupBy(b => b.Instance, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Address!, StringComparer.Ordinal);
        if (live.Count == 0)
        {
            return RotationChange.None;
        }

        var previous = IsServiceDiscoveryFallback ? new Dictionary<string, string>() : Destinations;
        var joined = live.Where(d => !previous.TryGetValue(d.Key, out var address) || address != d.Value).OrderBy(d => d.Key, StringComparer.Ordinal).ToList();
        var left = previous.Keys.Where(id => !live.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
        if (joined.Count == 0 && left.Count == 0)
        {
            return RotationChange.None;
        }
        Destinations = live.ToFrozenDictionary(StringComparer.Ordinal);
        IsServiceDiscoveryFallback = false;
        return new RotationChange(joined, left);
    }

    private static string? RoutableAddress(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri.GetLeftPart(UriPartial.Authority) + "/"
            : null;
}
