using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Platform.Scraper.Capture;

/// <summary>
/// Decides whether the Scraper may fetch a URL: http/https only, and every address its host resolves to must be public
/// (unless <see cref="CaptureOptions.AllowPrivateNetworks"/>). Cloud metadata endpoints are refused even then.
/// </summary>
public sealed class AddressPolicy(IOptionsMonitor<CaptureOptions> options)
{
    private static readonly IPAddress[] MetadataAddresses =
    [
        IPAddress.Parse("169.254.169.254"), // AWS, GCP, Azure, OpenStack
        IPAddress.Parse("169.254.170.2"),   // AWS ECS task metadata
        IPAddress.Parse("100.100.100.200"), // Alibaba Cloud
        IPAddress.Parse("fd00:ec2::254"),   // AWS IMDS over IPv6
    ];

    // IPv4 ranges that are not the public internet (RFC 6890 special-purpose registry).
    private static readonly (IPAddress Network, int Prefix)[] NonPublicV4 =
    [
        (IPAddress.Parse("0.0.0.0"), 8), (IPAddress.Parse("10.0.0.0"), 8), (IPAddress.Parse("100.64.0.0"), 10),
        (IPAddress.Parse("127.0.0.0"), 8), (IPAddress.Parse("169.254.0.0"), 16), (IPAddress.Parse("172.16.0.0"), 12),
        (IPAddress.Parse("192.0.0.0"), 24), (IPAddress.Parse("192.0.2.0"), 24), (IPAddress.Parse("192.168.0.0"), 16),
        (IPAddress.Parse("198.18.0.0"), 15), (IPAddress.Parse("198.51.100.0"), 24), (IPAddress.Parse("203.0.113.0"), 24),
        (IPAddress.Parse("224.0.0.0"), 4), (IPAddress.Parse("240.0.0.0"), 4),
    ];

    public bool AllowPrivateNetworks => options.CurrentValue.AllowPrivateNetworks;

    public static bool IsMetadata(IPAddress address) => MetadataAddresses.Contains(Normalize(address));

    /// <summary>True for loopback, private, link-local, shared, documentation, multicast and reserved addresses.</summary>
    public static bool IsNonPublic(IPAddress address)
    {
        address = Normalize(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return NonPublicV4.Any(range => InRange(address, range.Network, range.Prefix));
        }
        return address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6Loopback) || address.IsIPv6LinkLocal
            || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal
            || InRange(address, IPAddress.Parse("2001:db8::"), 32) // documentation
            || InRange(address, IPAddress.Parse("64:ff9b::"), 96) && IsNonPublic(new IPAddress(address.GetAddressBytes()[12..]));
    }

    public bool IsAllowed(IPAddress address) =>
        !IsMetadata(address) && (AllowPrivateNetworks || !IsNonPublic(address));

    /// <summary>
    /// Resolves <paramref name="host"/> and returns an allowed address to connect to (every address must be allowed, so a
    /// name cannot smuggle a private address among public ones); or the reason it is refused.
    /// </summary>
    public async Task<(IPAddress? Address, string? Reason)> ResolveAllowedAsync(string host, CancellationToken ct)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, ct);
            }
            catch (SocketException e)
            {
                return (null, $"Host '{host}' does not resolve ({e.SocketErrorCode}).");
            }
        }
        if (addresses.Length == 0)
        {
            return (null, $"Host '{host}' does not resolve.");
        }
        var blocked = addresses.FirstOrDefault(a => !IsAllowed(a));
        if (blocked is not null)
        {
            return (null, $"Host '{host}' resolves to {blocked}, a {(IsMetadata(blocked) ? "cloud metadata" : "non-public")} address.");
        }
        return (addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses[0], null);
    }

    /// <summary>Checks scheme and every resolved address. Returns null when allowed, else the reason.</summary>
    public async Task<string?> CheckAsync(Uri url, CancellationToken ct)
    {
        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
        {
            return $"Scheme '{url.Scheme}' is not allowed; only http and https.";
        }
        return (await ResolveAllowedAsync(url.IdnHost, ct)).Reason;
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static bool InRange(IPAddress address, IPAddress network, int prefix)
    {
        if (address.AddressFamily != network.AddressFamily)
        {
            return false;
        }
        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        var fullBytes = prefix / 8;
        for (var i = 0; i < fullBytes; i++)
        {
            if (a[i] != n[i]) return false;
        }
        var rest = prefix % 8;
        return rest == 0 || (a[fullBytes] & (0xFF << (8 - rest)) & 0xFF) == (n[fullBytes] & (0xFF << (8 - rest)) & 0xFF);
    }
}
