using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Gateway.Tests;

/// <summary>
/// The gateway hosted in-process with no Redis to read replicas from: it must still start, serve the SPA and reach the
/// Api through the service-discovery address (services:api:http:0, as Aspire sets it) — here one fake Api on a socket.
/// </summary>
public sealed class GatewayHostTests : IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly string _spa = Directory.CreateTempSubdirectory("gateway-spa-").FullName;
    private WebApplication? _api;
    private string _apiUrl = "";

    public async ValueTask InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_spa, "index.html"), "<!doctype html><title>platform-spa</title>");
        Directory.CreateDirectory(Path.Combine(_spa, "assets"));
        File.WriteAllText(Path.Combine(_spa, "assets", "app-3f2a.js"), "console.log('platform');");

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _api = builder.Build();
        _api.MapGet("/health", () => "Healthy");
        _api.MapGet("/api/formats", () => "formats");
        await _api.StartAsync(_ct);
        _apiUrl = _api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
    }

    public async ValueTask DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }
        Directory.Delete(_spa, recursive: true);
    }

    private WebApplicationFactory<Program> Gateway(string? staticFilesRoot = null) => new GatewayFactory(new Dictionary<string, string?>
    {
        // Nothing listens on port 1: the registry is unreadable from the start.
        ["ConnectionStrings:redis"] = "127.0.0.1:1,abortConnect=false,connectTimeout=200",
        ["services:api:http:0"] = _apiUrl,
        ["Gateway:StaticFilesRoot"] = staticFilesRoot ?? _spa,
        ["Gateway:HealthCheckInterval"] = "00:00:00.200",
    });

    [Fact]
    public async Task Api_requests_go_through_service_discovery_while_no_replica_is_registered()
    {
        await using var gateway = Gateway();
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/api/formats", _ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("formats", await response.Content.ReadAsStringAsync(_ct));
        Assert.Equal("service-discovery", Assert.Single(response.Headers.GetValues("X-Platform-Replica")));
    }

    [Fact]
    public async Task Health_is_good_once_an_api_destination_answers_its_probe()
    {
        await using var gateway = Gateway();
        using var client = gateway.CreateClient();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        HttpResponseMessage health;
        while ((health = await client.GetAsync("/health", _ct)).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            health.Dispose();
            await Task.Delay(100, _ct);
        }

        using (health)
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Contains("1/1 Api replicas healthy", await health.Content.ReadAsStringAsync(_ct));
        }
        using var alive = await client.GetAsync("/alive", _ct);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/jobs/123")]
    public async Task Client_side_routes_fall_back_to_index_html_revalidated_every_time(string path)
    {
        await using var gateway = Gateway();
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync(path, _ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("platform-spa", await response.Content.ReadAsStringAsync(_ct));
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        Assert.False(response.Headers.Contains("X-Platform-Replica"));
    }

    [Fact]
    public async Task Built_assets_are_cached_for_good_and_missing_ones_are_404()
    {
        await using var gateway = Gateway();
        using var client = gateway.CreateClient();

        using var asset = await client.GetAsync("/assets/app-3f2a.js", _ct);
        using var missing = await client.GetAsync("/assets/missing-1234.js", _ct);

        Assert.Equal("console.log('platform');", await asset.Content.ReadAsStringAsync(_ct));
        Assert.Contains("immutable", asset.Headers.CacheControl?.ToString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task An_unbuilt_spa_is_503_with_how_to_build_it()
    {
        var empty = Directory.CreateTempSubdirectory("gateway-empty-").FullName;
        try
        {
            await using var gateway = Gateway(empty);
            using var client = gateway.CreateClient();

            using var response = await client.GetAsync("/jobs/123", _ct);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("npm run build", await response.Content.ReadAsStringAsync(_ct));
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    internal sealed class GatewayFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
