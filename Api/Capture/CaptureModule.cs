using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Platform.Api.Formats;

namespace Platform.Api.Capture;

/// <summary>
/// Registers the Scraper client and the capture seam (found by AddApplicationServices through <see cref="IApiModule"/>).
/// The client inherits ServiceDefaults' service discovery and standard resilience handler; its timeouts are widened
/// because a capture legitimately waits for a page and a host slot before its stream starts.
/// </summary>
public sealed class CaptureModule : IApiModule
{
    public void AddServices(IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ScraperClientOptions>()
            .BindConfiguration(ScraperClientOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddHttpClient<ScraperClient>((sp, http) =>
        {
            var options = sp.GetRequiredService<IOptions<ScraperClientOptions>>().Value;
            http.BaseAddress = options.BaseAddress;
            // The resilience pipeline bounds each attempt; the stream's own length is bounded by the caller's token.
            http.Timeout = Timeout.InfiniteTimeSpan;
        });
        builder.Services.AddOptions<HttpStandardResilienceOptions>($"{nameof(ScraperClient)}-standard")
            .Configure<IOptions<ScraperClientOptions>>((resilience, options) =>
            {
                var attempt = TimeSpan.FromMilliseconds(options.Value.AttemptTimeoutMs);
                resilience.AttemptTimeout.Timeout = attempt;
                resilience.TotalRequestTimeout.Timeout = TimeSpan.FromMilliseconds(options.Value.CaptureTimeoutMs);
                resilience.CircuitBreaker.SamplingDuration = attempt * 2;
                // Captures have no side effects, so retrying the POST is safe; Retry-After from a saturated Scraper is honoured.
                resilience.Retry.MaxRetryAttempts = 2;
            });
        builder.Services.AddTransient<ICaptureService, ScraperCaptureService>();
    }
}
