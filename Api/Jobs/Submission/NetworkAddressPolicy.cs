using System.Net;
using System.Net.Sockets;

namespace Platform.Api.Jobs.Submission;

/// <summary>Section "Capture" as far as submission cares: whether private targets are allowed (they are not, by default).</summary>
public sealed class CaptureTargetOptions
{
    public const string Section = "Capture";

    /// <summary>Allows URLs on loopback/private networks — for tests that capture a local fixture site, never in production.</summary>
    public bool AllowPrivateNetworks { get; set; }

    public TimeSpan DnsTimeout { get; set; } = TimeSpan.FromSeconds(3);
}

/// <summary>Which addresses a capture may never reach: loopback, private, link-local, CGNAT, cloud metadata and other special ranges.</summary>
public static class NetworkAddressPolicy
{
    private static readonly (IPAddress Network, int PrefixLength)[] BlockedRanges =
    [
        (IPAddress.Parse("0.0.0.0"), 8),        // "this" network
        (IPAddress.Parse("10.0.0.0"), 8),       // private
        (IPAddress.Parse("100.64.0.0"), 10),    // carrier-grade NAT
        (IPAddress.Parse("127.0.0.0"), 8),      // loopback
        (IPAddress.Parse("169.254.0.0"), 16),   // link-local, incl. cloud metadata 169.254.169.254
        (IPAddress.Parse("172.16.0.0"), 12),    // private
        (IPAddress.Parse("192.0.0.0"), 24),     // IETF protocol assignments
        (IPAddress.Parse("192.0.2.0"), 24),     // documentation
        (IPAddress.Parse("192.168.0.0"), 16),   // private
        (IPAddress.Parse("198.18.0.0"), 15),    // benchmarking
        (IPAddress.Parse("198.51.100.0"), 24),  // documentation
        (IPAddress.Parse("203.0.113.0"), 24),   // documentation
        (IPAddress.Parse("224.0.0.0"), 4),      // multicast
        (IPAddress.Parse("240.0.0.0"), 4),      // reserved, broadcast
        (IPAddress.Parse("::"), 128),           // unspecified
        (IPAddress.Parse("::1"), 128),          // loopback
        (IPAddress.Parse("fc00::"), 7),         // unique local (fd00::/8, incl. fd00:ec2::254 metadata)
        (IPAddress.Parse("fe80::"), 10),        // link-local
        (IPAddress.Parse("ff00::"), 8),         // multicast
        (IPAddress.Parse("2001:db8::"), 32),    // documentation
    ];

    public static bool IsBlocked(IPAddress address)
    {
        // IPv4 hidden in IPv6 (::ffff:127.0.0.1, NAT64 64:ff9b::7f00:1) is judged as the IPv4 it carries.
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        else if (address.AddressFamily == AddressFamily.InterNetworkV6 && IsInRange(address, IPAddress.Parse("64:ff9b::"), 96))
        {
            address = new IPAddress(address.GetAddressBytes()[12..]);
        }
        return BlockedRanges.Any(r => IsInRange(address, r.Network, r.PrefixLength));
    }

    private static bool IsInRange(IPAddress address, IPAddress network, int prefixLength)
    {
        if (address.AddressFamily != network.AddressFamily)
        {
            return false;
        }
        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        var fullBytes = prefixLength / 8;
        if (!a.AsSpan(0, fullBytes).SequenceEqual(n.AsSpan(0, fullBytes)))
        {
            return false;
        }
        var remainingBits = prefixLength % 8;
        if (remainingBits == 0)
        {
            return true;
        }
        var mask = (byte)(0xFF << (8 - remainingBits));
        return (a[fullBytes] & mask) == (n[fullBytes] & mask);
    }
}
