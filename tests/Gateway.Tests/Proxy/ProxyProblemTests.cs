using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Gateway.Tests.Proxy;

/// <summary>
/// What a client gets from the gateway when the proxy cannot give it the Api's answer (issue 13, item 3): an over-limit
/// body is 413 problem details, not a 502 from a body the Api stopped reading; an Api that does not listen yet is 503 +
/// Retry-After problem details, not 502.
/// </summary>
public sealed class ProxyProblemTests : IAsyncLifetime
{
    private const long ApiBodyLimit = 1024 * 1024;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private WebApplication? _api;
    private string _apiUrl = "";

    public async ValueTask InitializeAsync()
    {
        // A stand-in for the Api: Kestrel with the Api's default body limit, reading the whole body of a submission.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = ApiBodyLimit);
        _api = builder.Build();
        _api.MapGet("/health", () => "Healthy");
        _api.MapPost("/api/jobs", async (HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            return Results.Accepted();
        });
        await _api.StartAsync(_ct);
        _apiUrl = _api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
    }

    public async ValueTask DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }
    }

    private static WebApplicationFactory<Program> Gateway(string apiUrl) => new GatewayHostTests.GatewayFactory(new Dictionary<string, string?>
    {
        ["ConnectionStrings:redis"] = "127.0.0.1:1,abortConnect=false,connectTimeout=200",
        ["services:api:http:0"] = apiUrl,
        ["Gateway:StaticFilesRoot"] = Path.GetTempPath(),
        ["Gateway:HealthCheckInterval"] = "00:00:00.200",
    });

    [Fact]
    public async Task A_body_over_the_limit_gets_413_problem_details_through_the_gateway()
    {
        await using var gateway = Gateway(_apiUrl);
        using var client = gateway.CreateClient();
        using var body = new ByteArrayContent(new byte[2 * ApiBodyLimit]);
        body.Headers.ContentType = new("application/json");

        using var response = await client.PostAsync("/api/jobs", body, _ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("413", await response.Content.ReadAsStringAsync(_ct));
    }

    [Fact]
    public async Task A_body_within_the_limit_still_reaches_the_api()
    {
        await using var gateway = Gateway(_apiUrl);
        using var client = gateway.CreateClient();

        using var response = await client.PostAsync("/api/jobs", new ByteArrayContent(new byte[1000]), _ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Api_requests_while_no_api_replica_listens_get_503_problem_details_with_retry_after()
    {
        // Nothing listens on port 1: the Api is still starting.
        await using var gateway = Gateway("http://127.0.0.1:1");
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/api/formats", _ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
    }
}
