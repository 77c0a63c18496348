using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Platform.Integration.Tests.Infrastructure;

/// <summary>
/// A TCP proxy in front of PostgreSQL that, when armed, lets the next <c>COMMIT</c> reach the server and then cuts the
/// connection without passing the server's answer back: the commit happened, its acknowledgement was lost. One shot.
/// </summary>
public sealed class CommitAckDropProxy : IAsyncDisposable
{
    private static readonly byte[] Commit = Encoding.ASCII.GetBytes("COMMIT\0");
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _armed;

    public CommitAckDropProxy(string upstreamHost, int upstreamPort)
    {
        (_upstreamHost, _upstreamPort) = (upstreamHost, upstreamPort);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Commits whose acknowledgement was dropped so far.</summary>
    public int Dropped { get; private set; }

    public void ArmOnce() => Volatile.Write(ref _armed, 1);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        using var upstream = new TcpClient();
        await upstream.ConnectAsync(_upstreamHost, _upstreamPort, _stop.Token);
        var cut = new CancellationTokenSource();
        var relay = new Relay();
        var toServer = PumpAsync(client.GetStream(), upstream.GetStream(), inspect: true, relay, cut);
        var toClient = PumpAsync(upstream.GetStream(), client.GetStream(), inspect: false, relay, cut);
        await Task.WhenAny(toServer, toClient);
        await cut.CancelAsync();
        client.Close();
        upstream.Close();
    }

    /// <summary>One connection's relay: once muted, nothing the server says reaches the client.</summary>
    private sealed class Relay
    {
        public volatile bool Muted;
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool inspect, Relay relay, CancellationTokenSource cut)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, cut.Token);
                if (read == 0 || cut.IsCancellationRequested)
                {
                    return;
                }
                if (!inspect && relay.Muted)
                {
                    return; // the server's answer to the COMMIT (or anything after it) is dropped, and the connection cut
                }
                var dropAfter = inspect && buffer.AsSpan(0, read).IndexOf(Commit) >= 0 && Interlocked.Exchange(ref _armed, 0) == 1;
                if (dropAfter)
                {
                    // Muted before the COMMIT leaves, so its answer cannot slip through; the connection is closed only
                    // after the COMMIT was written, so it does reach the server.
                    relay.Muted = true;
                }
                await to.WriteAsync(buffer.AsMemory(0, read), CancellationToken.None);
                if (dropAfter)
                {
                    Dropped++;
                    await Task.Delay(TimeSpan.FromMilliseconds(300)); // the server commits meanwhile
                    return;
                }
            }
        }
        catch (Exception) when (cut.IsCancellationRequested || _stop.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
