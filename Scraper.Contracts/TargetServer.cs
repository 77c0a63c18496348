using System.Net;
using System.Net.Sockets;

namespace Platform.Scraper.Contracts;

/// <summary>
/// Which server a capture really connects to, and the politeness slot that server is counted under. Shared by the
/// Scraper (which waits for or honours the slot) and the Api (whose dispatcher reserves it before claiming a job), so
/// both name the same Coordination semaphore.
/// </summary>
public static class TargetServer
{
    /// <summary>
    /// The one address of a name's answers that the egress proxy connects to and politeness is keyed on: IPv4 first, then
    /// the lowest, so a resolver that rotates its answers still yields the same server. Mapped IPv6 is its IPv4.
    /// </summary>
    public static IPAddress Canonical(IEnumerable<IPAddress> addresses) =>
        addresses.Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a)
            .OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)
            .ThenBy(a => Convert.ToHexString(a.GetAddressBytes()), StringComparer.Ordinal)
            .First();

    /// <summary>The cluster-wide politeness semaphore of a server: "host:{address}".</summary>
    public static string PolitenessResource(IPAddress server) => $"host:{(server.IsIPv4MappedToIPv6 ? server.MapToIPv4() : server)}";
}

/// <summary>
/// A politeness slot of the target's server that the caller already holds (and keeps renewing) for this capture: the
/// Scraper checks that it is still held and then does not wait for a slot of its own. The caller releases it.
/// </summary>
public sealed record HostReservation(string Resource, string LeaseId);
