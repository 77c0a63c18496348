using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Platform.Integration.Tests.Security;

/// <summary>
/// A DNS server on loopback (UDP) whose answers a test scripts: each name has a list of answer sets, served in order, the
/// last one repeated — so "public first, private afterwards" (DNS rebinding) is one entry. Only A and AAAA are answered,
/// with TTL 0; other names get NXDOMAIN. The Scraper is pointed at it with <c>Capture__DnsServer</c>.
/// </summary>
public sealed class TestDnsServer : IAsyncDisposable
{
    private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly ConcurrentDictionary<string, IPAddress[][]> _answers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, int> _lookups = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public TestDnsServer() => _loop = ServeAsync(_stop.Token);

    public IPEndPoint EndPoint => (IPEndPoint)_socket.Client.LocalEndPoint!;

    /// <summary>The answer sets for <paramref name="name"/>, one per A lookup in order (the last repeats).</summary>
    public void Answer(string name, params IPAddress[][] answers) => _answers[name.TrimEnd('.')] = answers;

    /// <summary>A lookups of <paramref name="name"/> so far.</summary>
    public int Lookups(string name) => _lookups.GetValueOrDefault(name);

    private async Task ServeAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            UdpReceiveResult query;
            try
            {
                query = await _socket.ReceiveAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            if (Respond(query.Buffer) is { } response)
            {
                await _socket.SendAsync(response, query.RemoteEndPoint, ct);
            }
        }
    }

    private byte[]? Respond(byte[] query)
    {
        if (query.Length < 17)
        {
            return null;
        }
        // Question: labels from offset 12 up to the zero byte, then QTYPE and QCLASS.
        var labels = new List<string>();
        var at = 12;
        while (at < query.Length && query[at] != 0)
        {
            labels.Add(System.Text.Encoding.ASCII.GetString(query, at + 1, query[at]));
            at += query[at] + 1;
        }
        var questionEnd = at + 5;
        if (questionEnd > query.Length)
        {
            return null;
        }
        var name = string.Join('.', labels);
        var type = (query[at + 1] << 8) | query[at + 2];
        var family = type switch { 1 => AddressFamily.InterNetwork, 28 => AddressFamily.InterNetworkV6, _ => AddressFamily.Unknown };
        IPAddress[] records = [];
        var known = _answers.TryGetValue(name, out var sets);
        if (known && family == AddressFamily.InterNetwork)
        {
            var n = _lookups.AddOrUpdate(name, 1, (_, c) => c + 1);
            records = [.. sets![Math.Min(n - 1, sets.Length - 1)].Where(a => a.AddressFamily == family)];
        }
        else if (known && family == AddressFamily.InterNetworkV6)
        {
            var n = Math.Max(1, _lookups.GetValueOrDefault(name));
            records = [.. sets![Math.Min(n - 1, sets.Length - 1)].Where(a => a.AddressFamily == family)];
        }
        var response = new List<byte>(query[..questionEnd]);
        response[2] = 0x81; // QR, RD
        response[3] = (byte)(known ? 0x80 : 0x83); // RA; NXDOMAIN for names we do not know
        response[6] = 0;
        response[7] = (byte)records.Length; // ANCOUNT
        response[8] = response[9] = response[10] = response[11] = 0; // no authority, no additional (drops the query's EDNS)
        foreach (var record in records)
        {
            var data = record.GetAddressBytes();
            response.AddRange([0xC0, 0x0C, (byte)(type >> 8), (byte)type, 0, 1, 0, 0, 0, 0, 0, (byte)data.Length]);
            response.AddRange(data);
        }
        return [.. response];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _loop;
    }
}
