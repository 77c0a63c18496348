using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Platform.Scraper.Contracts;

namespace Platform.Scraper.Capture;

/// <summary>
/// Decides whether the Scraper may fetch a URL or open a tunnel: http/https only, every address its host resolves to must
/// be public (unless <see cref="CaptureOptions.AllowPrivateNetworks"/>) and the port 80, 443 or one an operator added.
/// Cloud metadata endpoints are refused even then. The rules are <see cref="TargetAddresses"/>, shared with submission.
/// </summary>
public sealed class AddressPolicy(IOptionsMonitor<CaptureOptions> options, HostResolver resolver)
{
    public static bool IsMetadata(IPAddress address) => TargetAddresses.IsMetadata(address);

    /// <summary>True for loopback, private, link-local, shared, documentation, multicast and reserved addresses.</summary>
    public static bool IsNonPublic(IPAddress address) => TargetAddresses.IsNonPublic(address);

    /// <summary>
    /// Resolves <paramref name="host"/> and returns an allowed address to connect to on <paramref name="port"/> (every
    /// address must be allowed, so a name cannot smuggle a private address among public ones); or the reason it is refused.
    /// </summary>
    public async Task<(IPAddress? Address, string? Reason)> ResolveAllowedAsync(string host, int port, CancellationToken ct)
    {
        IPAddress[] addresses;
        try
        {
            addresses = await resolver.ResolveAsync(host, ct);
        }
        catch (SocketException e)
        {
            return (null, $"Host '{host}' does not resolve ({e.SocketErrorCode}).");
        }
        var o = options.CurrentValue;
        if (TargetAddresses.Refusal(host, addresses, port, o.ToRules()) is { } reason)
        {
            return (null, reason);
        }
        return (Canonical(addresses), null);
    }

    /// <summary>Checks scheme, port and every resolved address: the address a fetch of <paramref name="url"/> connects to, or why not.</summary>
    public async Task<(IPAddress? Address, string? Reason)> ResolveTargetAsync(Uri url, CancellationToken ct)
    {
        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
        {
            return (null, $"Scheme '{url.Scheme}' is not allowed; only http and https.");
        }
        return await ResolveAllowedAsync(url.IdnHost, url.Port, ct);
    }

    /// <summary>Null when <paramref name="url"/> may be fetched, else the reason.</summary>
    public async Task<string?> CheckAsync(Uri url, CancellationToken ct) => (await ResolveTargetAsync(url, ct)).Reason;

    /// <summary>The address a fetch connects to and politeness is keyed on (<see cref="TargetServer.Canonical"/>).</summary>
    public static IPAddress Canonical(IEnumerable<IPAddress> addresses) => TargetServer.Canonical(addresses);
}
