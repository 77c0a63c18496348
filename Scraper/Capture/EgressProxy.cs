using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Platform.Scraper.Diagnostics;

namespace Platform.Scraper.Capture;

/// <summary>
/// The only way out for Chromium: it is launched with <c>--proxy-server</c> pointing here (loopback included), so every
/// connection — navigations, each redirect hop, subresources, WebSockets, service workers — is checked against the
/// <see cref="AddressPolicy"/> before a socket is opened: the one place a capture's traffic is checked. The proxy resolves
/// the name itself and connects to the address it checked, so DNS rebinding cannot slip past.
/// HTTPS and WebSockets arrive as CONNECT tunnels; plain HTTP as absolute-form requests, forwarded one per connection.
/// Owner of the listener and its accept loop (cancelled on dispose); at most <see cref="MaxConnections"/> at once.
/// </summary>
public sealed class EgressProxy(AddressPolicy policy, ScraperMetrics metrics, ILogger<EgressProxy> logger) : IAsyncDisposable
{
    /// <summary>Sent with a refused plain-HTTP request's 403; lower case, as Playwright's <c>IResponse.Headers</c> names it.</summary>
    public const string BlockedHeader = "x-platform-egress-blocked";
    private const int MaxConnections = 512;
    private const int MaxHeadBytes = 64 * 1024;
    private const int MaxRefusalsKept = 1024;
    private static readonly TimeSpan RefusalKept = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _connections = new(MaxConnections, MaxConnections);
    private TcpListener? _listener;
    private long _forwarded;
    private long _blocked;
    private readonly ConcurrentDictionary<string, (string Reason, long At)> _refusals = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Connections forwarded / refused since start (tests prove Chromium's traffic really comes through here).</summary>
    public long Forwarded => Interlocked.Read(ref _forwarded);
    public long Blocked => Interlocked.Read(ref _blocked);
    private Task _acceptLoop = Task.CompletedTask;

    /// <summary>
    /// Why this proxy refused <paramref name="host"/>:<paramref name="port"/> in the last minute, if it did: a capture names
    /// the refusal behind a failed request with it (<see cref="RequestGuard"/>). At most 1,024 targets are remembered.
    /// </summary>
    public string? RecentRefusal(string host, int port) =>
        _refusals.TryGetValue(RefusalKey(host, port), out var refusal) && Environment.TickCount64 - refusal.At < RefusalKept.TotalMilliseconds
            ? refusal.Reason
            : null;

    private void RememberRefusal(string host, int port, string reason)
    {
        var now = Environment.TickCount64;
        if (_refusals.Count >= MaxRefusalsKept)
        {
            foreach (var (key, old) in _refusals)
            {
                if (now - old.At >= RefusalKept.TotalMilliseconds || _refusals.Count >= MaxRefusalsKept)
                {
                    _refusals.TryRemove(key, out _);
                }
            }
        }
        _refusals[RefusalKey(host, port)] = (reason, now);
    }

    private static string RefusalKey(string host, int port) => $"{host.Trim('[', ']')}:{port}";

    public Uri Address
    {
        get
        {
            EnsureStarted();
            return new Uri($"http://127.0.0.1:{((IPEndPoint)_listener!.LocalEndpoint).Port}");
        }
    }

    public void EnsureStarted()
    {
        lock (_gate)
        {
            if (_listener is not null)
            {
                return;
            }
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            _acceptLoop = AcceptLoopAsync(_listener, _stopping.Token);
        }
    }

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(ct);
            }
            // Stopped: the pending accept ends (cancelled, disposed, aborted), or the next one finds the listener no longer
            // listening ("Not listening" when DisposeAsync stopped it between two accepts; seen once in a full test run).
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException
                                          || (e is InvalidOperationException && ct.IsCancellationRequested))
            {
                return;
            }
            if (!_connections.Wait(0))
            {
                client.Dispose(); // over the bound: Chromium sees a reset and retries later
                continue;
            }
            _ = Task.Run(async () =>
            {
                try
                {
                    await HandleAsync(client, ct);
                }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
                {
                }
                catch (Exception e)
                {
                    logger.LogWarning(e, "Egress proxy connection failed");
                }
                finally
                {
                    client.Dispose();
                    _connections.Release();
                }
            }, CancellationToken.None);
        }
    }

    private async Task HandleAsync(TcpClient client, CancellationToken ct)
    {
        client.NoDelay = true;
        var downstream = client.GetStream();
        var (head, leftover) = await ReadHeadAsync(downstream, ct);
        if (head is null)
        {
            return;
        }
        if (!ProxyRequest.TryParse(head, out var request, out var refusal))
        {
            await RespondAsync(downstream, 400, "Bad Request", refusal, ct);
            return;
        }

        var (address, reason) = await policy.ResolveAllowedAsync(request.Host, request.Port, ct);
        if (address is null)
        {
            metrics.EgressBlocked();
            Interlocked.Increment(ref _blocked);
            RememberRefusal(request.Host, request.Port, reason ?? "not allowed");
            logger.LogInformation("Egress blocked: {Method} {Target}: {Reason}", request.Method, request.Target, reason);
            await RespondAsync(downstream, 403, "Forbidden", reason, ct);
            return;
        }

        using var upstreamClient = await ConnectAsync(address, request.Port, ct);
        if (upstreamClient is null)
        {
            await RespondAsync(downstream, 502, "Bad Gateway", $"Could not connect to {request.Host}:{request.Port}.", ct);
            return;
        }
        var upstream = upstreamClient.GetStream();
        Interlocked.Increment(ref _forwarded);

        if (request.IsConnect)
        {
            await downstream.WriteAsync("HTTP/1.1 200 Connection Established\r\n\r\n"u8.ToArray(), ct);
        }
        else
        {
            await upstream.WriteAsync(request.OriginFormHead(), ct);
        }
        if (leftover.Length > 0)
        {
            await upstream.WriteAsync(leftover, ct);
        }
        // Either side closing ends the connection; disposing both streams stops the other copy.
        var up = downstream.CopyToAsync(upstream, ct);
        var down = upstream.CopyToAsync(downstream, ct);
        await Task.WhenAny(up, down);
    }

    /// <summary>Connects to the address the policy checked (never re-resolving the name); null when it cannot be reached.</summary>
    private static async Task<TcpClient?> ConnectAsync(IPAddress address, int port, CancellationToken ct)
    {
        var upstream = new TcpClient(address.AddressFamily) { NoDelay = true };
        using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        connectTimeout.CancelAfter(ConnectTimeout);
        try
        {
            await upstream.ConnectAsync(address, port, connectTimeout.Token);
            return upstream;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            upstream.Dispose();
            return null;
        }
    }

    /// <summary>A request head, bounded in size and in time (a client that never finishes its head is dropped).</summary>
    private static async Task<(string? Head, byte[] Leftover)> ReadHeadAsync(NetworkStream stream, CancellationToken ct)
    {
        using var headTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        headTimeout.CancelAfter(HeadTimeout);
        return await ReadHeadCoreAsync(stream, headTimeout.Token);
    }

    private static async Task<(string? Head, byte[] Leftover)> ReadHeadCoreAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new byte[8 * 1024];
        var length = 0;
        while (length < MaxHeadBytes)
        {
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxHeadBytes));
            }
            var read = await stream.ReadAsync(buffer.AsMemory(length), ct);
            if (read == 0)
            {
                return (null, []);
            }
            length += read;
            var end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                return (Encoding.Latin1.GetString(buffer, 0, end), buffer[(end + 4)..length]);
            }
        }
        return (null, []);
    }

    private static async Task RespondAsync(NetworkStream stream, int status, string phrase, string? reason, CancellationToken ct)
    {
        var body = reason is null ? "" : $"<!doctype html><title>{status} {phrase}</title><p>{WebUtility.HtmlEncode(reason)}</p>";
        var blocked = status == 403 ? $"{BlockedHeader}: {reason?.Replace('\r', ' ').Replace('\n', ' ')}\r\n" : "";
        var response = $"HTTP/1.1 {status} {phrase}\r\n{blocked}Content-Type: text/html; charset=utf-8\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(response), ct);
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        lock (_gate)
        {
            _listener?.Stop();
        }
        await _acceptLoop;
    }
}
