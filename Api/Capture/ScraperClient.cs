using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Platform.Scraper.Contracts;

namespace Platform.Api.Capture;

/// <summary>
/// Typed HttpClient for the Scraper ("http://scraper" through service discovery, with the standard resilience handler):
/// posts a capture and yields the streamed frames. A refusal before the stream starts (validation, blocked address,
/// 503 saturation) surfaces as <see cref="ScraperRefusedException"/>.
/// </summary>
public sealed class ScraperClient(HttpClient http)
{
    public async IAsyncEnumerable<CaptureFrame> CaptureAsync(CaptureRequest request, [EnumeratorCancellation] CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/captures") { Content = JsonContent.Create(request, options: CaptureStream.Json) };
        message.Headers.Accept.ParseAdd(CaptureStream.MediaType);
        // Headers only: the body is a stream of frames read as they arrive; aborting ct aborts the request, which makes the
        // Scraper close the page.
        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw await ScraperRefusedException.FromAsync(response, ct);
        }
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await foreach (var frame in CaptureStreamReader.ReadAsync(body, ct))
        {
            yield return frame;
        }
    }
}

public sealed class ScraperRefusedException(HttpStatusCode status, string? problemType, string message, bool transient, TimeSpan? retryAfter)
    : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
    public string? ProblemType { get; } = problemType;
    public bool Transient { get; } = transient;
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static async Task<ScraperRefusedException> FromAsync(HttpResponseMessage response, CancellationToken ct)
    {
        string? type = null, detail = null;
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            type = problem.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
            var title = problem.RootElement.TryGetProperty("title", out var ti) ? ti.GetString() : null;
            var d = problem.RootElement.TryGetProperty("detail", out var de) ? de.GetString() : null;
            detail = string.Join(" ", new[] { title, d }.Where(s => !string.IsNullOrEmpty(s)));
        }
        catch (JsonException)
        {
        }
        var status = response.StatusCode;
        var transient = status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)status >= 500;
        var retryAfter = response.Headers.RetryAfter?.Delta
            ?? (response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return new ScraperRefusedException(status, type, $"Scraper answered {(int)status}: {detail ?? response.ReasonPhrase}", transient, retryAfter);
    }
}
