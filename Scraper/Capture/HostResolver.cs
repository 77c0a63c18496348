using System.Net;
using System.Net.Sockets;
using DnsClient;
using Microsoft.Extensions.Options;

namespace Platform.Scraper.Capture;

/// <summary>
/// Turns a target's host into addresses for <see cref="AddressPolicy"/>: an address literal is itself; a name goes to the
/// system resolver, or to <see cref="CaptureOptions.DnsServer"/> when one is set (an operator's resolver, or a test's DNS
/// server whose answers change between lookups). Nothing is cached here: each connection is judged on a fresh answer.
/// </summary>
public sealed class HostResolver(IOptionsMonitor<CaptureOptions> options)
{
    private readonly Lock _gate = new();
    private (string Server, LookupClient Client)? _client;

    /// <exception cref="SocketException">The name does not resolve.</exception>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            return [literal];
        }
        if (options.CurrentValue.DnsServer is not { } server)
        {
            return await Dns.GetHostAddressesAsync(host, ct);
        }
        var client = Client(server);
        IPAddress[] addresses;
        try
        {
            var v4 = client.QueryAsync(host, QueryType.A, cancellationToken: ct);
            var v6 = client.QueryAsync(host, QueryType.AAAA, cancellationToken: ct);
            addresses =
            [
                .. (await v4).Answers.ARecords().Select(r => r.Address),
                .. (await v6).Answers.AaaaRecords().Select(r => r.Address),
            ];
        }
        catch (DnsResponseException e)
        {
            throw new SocketException((int)SocketError.TryAgain, $"DNS server {server}: {e.Message}");
        }
        return addresses.Length > 0 ? addresses : throw new SocketException((int)SocketError.HostNotFound);
    }

    private LookupClient Client(string server)
    {
        lock (_gate)
        {
            if (_client is not { } current || current.Server != server)
            {
                _client = (server, new LookupClient(new LookupClientOptions(IPEndPoint.Parse(server)) { UseCache = false, Retries = 1, Timeout = TimeSpan.FromSeconds(3) }));
            }
            return _client.Value.Client;
        }
    }
}
