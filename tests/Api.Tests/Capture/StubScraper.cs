using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.Api.Tests.Capture;

/// <summary>
/// A loopback HTTP server standing in for a Scraper replica in the client's unit tests: each test says how POST /captures
/// answers; the stub counts the requests it received and the ones whose client went away.
/// </summary>
internal sealed class StubScraper : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;
    private int _aborted;

    private StubScraper(WebApplication app) => _app = app;

    public Func<HttpContext, int, Task> Handler { get; set; } = (_, _) => Task.CompletedTask;

    public Uri Url { get; private set; } = null!;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Requests whose connection the client closed before the handler finished.</summary>
    public int Aborted => Volatile.Read(ref _aborted);

    public static async Task<StubScraper> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var stub = new StubScraper(app);
        app.MapPost("/captures", async (HttpContext http) =>
        {
            var n = Interlocked.Increment(ref stub._requests);
            try
            {
                await stub.Handler(http, n);
            }
            catch (Exception) when (http.RequestAborted.IsCancellationRequested)
            {
            }
            if (http.RequestAborted.IsCancellationRequested)
            {
                Interlocked.Increment(ref stub._aborted);
            }
        });
        await app.StartAsync();
        stub.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return stub;
    }

    /// <summary>Writes one capture-stream line and flushes it.</summary>
    public static async Task FrameAsync(HttpContext http, string json)
    {
        await http.Response.WriteAsync(json + "\n", http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
