using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;

namespace Platform.Scraper.Contracts;

/// <summary>
/// The one table of addresses and ports a capture may reach, shared by submission (Api) and the Scraper's egress. An IPv6
/// address that carries an IPv4 one (mapped, NAT64, 6to4, Teredo) is judged by what it carries as well as by itself.
/// </summary>
public static class TargetAddresses
{
    /// <summary>Ports every target may use; operators allow more per service (<c>Capture:AdditionalPorts</c>).</summary>
    public static readonly int[] DefaultPorts = [80, 443];

    private static readonly IPAddress[] Metadata =
    [
        IPAddress.Parse("169.254.169.254"), // AWS, GCP, Azure, OpenStack
        IPAddress.Parse("169.254.170.2"),   // AWS ECS task metadata
        IPAddress.Parse("100.100.100.200"), // Alibaba Cloud
        IPAddress.Parse("168.63.129.16"),   // Azure WireServer (a public address: only this list refuses it)
        IPAddress.Parse("fd00:ec2::254"),   // AWS IMDS over IPv6
    ];

    // RFC 6890 special-purpose registries (IPv4 and IPv6): everything that is not the public internet.
    private static readonly IPNetwork[] NonPublic =
    [
        .. new[]
        {
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
            "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
            "224.0.0.0/4", "240.0.0.0/4",
            "::/96",            // unspecified, loopback and the deprecated IPv4-compatible form
            "64:ff9b:1::/48",   // local-use NAT64: whatever it carries, it is a local network's translator
            "100::/64",         // discard
            "2001:2::/48", "2001:10::/28", "2001:db8::/32", "3fff::/20", // benchmarking, ORCHID, documentation
            "5f00::/16",        // SRv6 SIDs
            "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
        }.Select(network => IPNetwork.Parse(network)),
    ];

    private static readonly IPNetwork Compatible = IPNetwork.Parse("::/96");
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");
    private static readonly IPNetwork Teredo = IPNetwork.Parse("2001::/32");

    /// <summary>The address itself and every IPv4 address it embeds.</summary>
    public static IEnumerable<IPAddress> Judged(IPAddress address)
    {
        yield return address;
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            yield break;
        }
        var bytes = address.GetAddressBytes();
        if (address.IsIPv4MappedToIPv6)
        {
            yield return address.MapToIPv4();
        }
        else if (Compatible.Contains(address) || Nat64.Contains(address))
        {
            yield return new IPAddress(bytes[12..]);
        }
        else if (SixToFour.Contains(address))
        {
            yield return new IPAddress(bytes[2..6]);
        }
        else if (Teredo.Contains(address))
        {
            yield return new IPAddress(bytes[4..8]); // the Teredo server
            yield return new IPAddress(bytes[12..].Select(b => (byte)~b).ToArray()); // the client, obfuscated
        }
    }

    /// <summary>A cloud metadata endpoint, directly or embedded; refused whatever an operator allows.</summary>
    public static bool IsMetadata(IPAddress address) => Judged(address).Any(a => Metadata.Contains(a));

    /// <summary>Loopback, private, link-local, shared, documentation, multicast or reserved, directly or embedded.</summary>
    public static bool IsNonPublic(IPAddress address) => Judged(address).Any(a => NonPublic.Any(n => n.Contains(a)));

    public static bool IsAllowedPort(int port, IReadOnlyCollection<int> additionalPorts) =>
        DefaultPorts.Contains(port) || additionalPorts.Contains(port);

    /// <summary>
    /// Why a connection to <paramref name="addresses"/> (every answer for one name) on <paramref name="port"/> is refused,
    /// or null. <see cref="TargetRules.AllowPrivateNetworks"/> (tests only) opens non-public addresses on any port;
    /// <see cref="TargetRules.AllowedNetworks"/> opens the operator's networks on the allowed ports; metadata never.
    /// </summary>
    public static string? Refusal(string host, IReadOnlyList<IPAddress> addresses, int port, TargetRules rules)
    {
        if (addresses.Count == 0)
        {
            return $"Host '{host}' does not resolve.";
        }
        if (addresses.FirstOrDefault(IsMetadata) is { } metadata)
        {
            return $"Host '{host}' resolves to {metadata}, a cloud metadata address (private to the machine, never captured).";
        }
        var nonPublic = addresses.FirstOrDefault(a => IsNonPublic(a) && !rules.IsOperatorAllowed(a));
        if (nonPublic is not null && !rules.AllowPrivateNetworks)
        {
            return $"Host '{host}' resolves to {nonPublic}, a loopback, private, link-local or reserved (non-public) address.";
        }
        var privateTarget = rules.AllowPrivateNetworks && addresses.All(IsNonPublic);
        if (!privateTarget && !IsAllowedPort(port, rules.AdditionalPorts))
        {
            return $"The port {port} is not allowed (only {string.Join(", ", DefaultPorts.Concat(rules.AdditionalPorts))}).";
        }
        return null;
    }
}

/// <summary>What an operator may loosen (section "Capture" of both the Api and the Scraper); metadata stays refused.</summary>
public sealed record TargetRules(bool AllowPrivateNetworks, IReadOnlyCollection<int> AdditionalPorts, IReadOnlyCollection<IPNetwork> AllowedNetworks)
{
    /// <summary>Parses <c>Capture:AllowedNetworks</c> entries ("10.20.0.0/16", "192.0.2.7/32"); throws on a malformed one.</summary>
    public static IPNetwork[] ParseNetworks(IEnumerable<string> networks) => [.. networks.Select(network => IPNetwork.Parse(network))];

    /// <summary>Start-up validation of the settings both services bind (<c>Capture:AllowedNetworks</c>, <c>Capture:AdditionalPorts</c>).</summary>
    public static IEnumerable<ValidationResult> Validate(string[] allowedNetworks, int[] additionalPorts)
    {
        foreach (var network in allowedNetworks.Where(n => !IPNetwork.TryParse(n, out _)))
        {
            yield return new ValidationResult($"'{network}' is not a network in CIDR form.", ["AllowedNetworks"]);
        }
        if (additionalPorts.Any(p => p is < 1 or > 65535))
        {
            yield return new ValidationResult("Ports are 1 to 65535.", ["AdditionalPorts"]);
        }
    }

    public bool IsOperatorAllowed(IPAddress address) => AllowedNetworks.Any(n => n.Contains(address));
}
