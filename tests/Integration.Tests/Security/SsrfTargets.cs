using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Platform.Integration.Tests.Security;

/// <summary>
/// Both ends of an SSRF attempt on loopback, on one port P: the hostile site on 127.0.0.2:P (the only address the
/// operator allowed, "Capture:AllowedNetworks") serves a page per case; the victim on 127.0.0.1:P and [::1]:P stands for
/// everything internal and records every request it gets. A raw listener on 127.0.0.2:Q (a port nobody allowed) records
/// every connection. A case is refused when the victim saw nothing of it.
/// </summary>
public sealed class SsrfTargets : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> _victimHits = new();
    private readonly ConcurrentDictionary<string, int> _canaryHits = new();
    private readonly ConcurrentDictionary<int, string> _pages = new();
    private readonly ConcurrentDictionary<int, string> _redirects = new();
    private WebApplication _hostile = null!;
    private WebApplication _victim = null!;
    private TcpListener _closedPort = null!;
    private int _closedPortConnections;

    public int Port { get; private set; }

    /// <summary>A port on the hostile address that no setting allows.</summary>
    public int ClosedPort { get; private set; }

    public int ClosedPortConnections => Volatile.Read(ref _closedPortConnections);

    public int VictimHits(string path) => _victimHits.GetValueOrDefault(path);

    public int CanaryHits(string path) => _canaryHits.GetValueOrDefault(path);

    public IReadOnlyDictionary<string, int> AllVictimHits => _victimHits;

    public Uri Page(int id) => new($"http://127.0.0.2:{Port}/case/{id}");

    public Uri Redirector(int id) => new($"http://127.0.0.2:{Port}/redirect/{id}");

    public void AddPage(int id, string html) => _pages[id] = html;

    public void AddRedirect(int id, string location) => _redirects[id] = location;

    public static async Task<SsrfTargets> StartAsync()
    {
        var targets = new SsrfTargets();
        targets._hostile = Build(kestrel => kestrel.Listen(IPAddress.Parse("127.0.0.2"), 0));
        targets._hostile.MapGet("/case/{id:int}", (int id) => targets._pages.TryGetValue(id, out var html)
            ? Results.Content(html, "text/html", Encoding.UTF8) : Results.NotFound());
        targets._hostile.MapGet("/redirect/{id:int}", (int id) => Results.Redirect(targets._redirects[id]));
        targets._hostile.Map("/canary/{**rest}", (HttpContext http) =>
        {
            targets._canaryHits.AddOrUpdate(http.Request.Path.Value!.Replace("/canary", ""), 1, (_, n) => n + 1);
            return Results.Content("/* canary */", "text/plain");
        });
        await targets._hostile.StartAsync();
        targets.Port = new Uri(targets._hostile.Urls.First()).Port;

        targets._victim = Build(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, targets.Port);
            if (Socket.OSSupportsIPv6)
            {
                kestrel.Listen(IPAddress.IPv6Loopback, targets.Port);
            }
        });
        targets._victim.Map("/{**rest}", (HttpContext http) =>
        {
            targets._victimHits.AddOrUpdate(http.Request.Path.Value!, 1, (_, n) => n + 1);
            return Results.Content("internal secret", "text/plain");
        });
        await targets._victim.StartAsync();

        targets._closedPort = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        targets._closedPort.Start();
        targets.ClosedPort = ((IPEndPoint)targets._closedPort.LocalEndpoint).Port;
        _ = targets.AcceptClosedPortAsync();
        return targets;
    }

    private async Task AcceptClosedPortAsync()
    {
        while (true)
        {
            try
            {
                using var client = await _closedPort.AcceptTcpClientAsync();
                Interlocked.Increment(ref _closedPortConnections);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    private static WebApplication Build(Action<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions> listen)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(listen);
        var app = builder.Build();
        app.UseWebSockets();
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        _closedPort?.Stop();
        foreach (var app in new[] { _hostile, _victim })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }
}
