using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Platform.Api.Formats;

namespace Platform.Api.Capture;

public static class CaptureExtensions
{
    /// <summary>
    /// Registers the Scraper client, the capture seam and capture capacity. The client inherits ServiceDefaults' service
    /// discovery and standard resilience handler, reshaped for captures (<see cref="ConfigureResilience"/>).
    /// </summary>
    public static IHostApplicationBuilder AddCapture(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ScraperClientOptions>(ScraperClientOptions.Section);
        AddScraperClient(builder.Services);
        builder.Services.AddTransient<ICaptureService, ScraperCaptureService>();
        builder.Services.AddSingleton<ICaptureCapacity, ScraperReservations>();
        return builder;
    }

    /// <summary>
    /// The typed client and its pipeline (also used by the tests of the timeout model). ServiceDefaults gives every client the
    /// standard handler with default settings under a name of its own; this client replaces it with one reshaped for captures.
    /// </summary>
    public static IHttpClientBuilder AddScraperClient(IServiceCollection services)
    {
        var client = services.AddHttpClient<ScraperClient>((sp, http) =>
            {
                http.BaseAddress = sp.GetRequiredService<IOptions<ScraperClientOptions>>().Value.BaseAddress;
                // The resilience pipeline bounds the wait for the response; the stream's own timeouts are ScraperClient's.
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromMilliseconds(sp.GetRequiredService<IOptions<ScraperClientOptions>>().Value.ConnectTimeoutMs),
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            });
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented way to replace the default handler.
        client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        client.AddStandardResilienceHandler()
            .Configure((resilience, sp) => ConfigureResilience(resilience, sp.GetRequiredService<IOptions<ScraperClientOptions>>().Value));
        return client;
    }

    /// <summary>
    /// Retries only what the Scraper refused before it started (503/429, honouring Retry-After) or a connection that was
    /// never made: never a request the Scraper may still be working on, so no attempt timeout is retried. The attempt
    /// timeout is the guard for a Scraper that never answers, longer than any legitimate queueing there.
    /// </summary>
    internal static void ConfigureResilience(HttpStandardResilienceOptions resilience, ScraperClientOptions options)
    {
        var responseStart = TimeSpan.FromMilliseconds(options.ResponseStartTimeoutMs);
        resilience.AttemptTimeout.Timeout = responseStart;
        resilience.TotalRequestTimeout.Timeout = responseStart * 2;
        resilience.CircuitBreaker.SamplingDuration = responseStart * 2;
        resilience.Retry.MaxRetryAttempts = 2;
        resilience.Retry.ShouldHandle = args => ValueTask.FromResult(NotStarted(args.Outcome.Result, args.Outcome.Exception));
        // A busy Scraper (503) is not a broken one: only unreachable replicas count towards opening the circuit.
        resilience.CircuitBreaker.ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError });
    }

    /// <summary>The Scraper did not take the capture: it refused it (503, 429) or no connection was made.</summary>
    private static bool NotStarted(HttpResponseMessage? response, Exception? exception) =>
        response?.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests
        || exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError };
}
