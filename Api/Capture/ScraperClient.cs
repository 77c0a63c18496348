using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.Scraper.Contracts;

namespace Platform.Api.Capture;

/// <summary>
/// Typed HttpClient for the Scraper (service discovery and the standard resilience handler, configured in
/// <see cref="CaptureExtensions"/>): posts a capture — to the reserved replica when there is one — and yields the streamed
/// frames. A refusal before the stream starts (validation, blocked address, 503 saturation) surfaces as
/// <see cref="ScraperRefusedException"/>; a stream that goes silent or overruns its deadline as <see cref="ScraperTimeoutException"/>.
/// </summary>
public sealed class ScraperClient(HttpClient http, IOptions<ScraperClientOptions> options, TimeProvider time)
{
    public async IAsyncEnumerable<CaptureFrame> CaptureAsync(CaptureRequest request, Uri? replica, [EnumeratorCancellation] CancellationToken ct)
    {
        var o = options.Value;
        var target = replica is null ? new Uri("/captures", UriKind.Relative) : new Uri(replica, "/captures");
        using var message = new HttpRequestMessage(HttpMethod.Post, target) { Content = JsonContent.Create(request, options: CaptureStream.Json) };
        message.Headers.Accept.ParseAdd(CaptureStream.MediaType);
        // Headers only: the body is a stream of frames read as they arrive; aborting ct aborts the request, which makes the
        // Scraper close the page.
        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw await ScraperRefusedException.FromAsync(response, time.GetUtcNow(), ct);
        }

        // The capture runs from here: an idle timeout between frames (the page's load budget added while it navigates) and
        // an overall deadline, both linked to the job's token. When one fires the request is aborted (the Scraper closes the page).
        var idleTimeout = TimeSpan.FromMilliseconds(o.FrameIdleTimeoutMs);
        var navigatingTimeout = idleTimeout + TimeSpan.FromMilliseconds(request.TimeoutMs);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(o.CaptureDeadlineMs));
        using var idle = new CancellationTokenSource(idleTimeout);
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token, idle.Token);
        await using var body = await response.Content.ReadAsStreamAsync(stream.Token);
        await using var frames = CaptureStreamReader.ReadAsync(body, stream.Token).GetAsyncEnumerator(stream.Token);
        while (true)
        {
            try
            {
                if (!await frames.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException && !ct.IsCancellationRequested && stream.IsCancellationRequested)
            {
                throw deadline.IsCancellationRequested
                    ? new ScraperTimeoutException($"The capture did not finish within {o.CaptureDeadlineMs / 1000.0:0.#} s.", e)
                    : new ScraperTimeoutException("The Scraper sent nothing for too long during the capture.", e);
            }
            var frame = frames.Current;
            idle.CancelAfter(frame is { Type: CaptureFrame.Types.Progress, Stage: CaptureFrame.Stages.Navigating } ? navigatingTimeout : idleTimeout);
            yield return frame;
        }
    }
}

/// <summary>A running capture's stream went silent or overran its deadline; the request was aborted. Transient.</summary>
public sealed class ScraperTimeoutException(string message, Exception inner) : TimeoutException(message, inner);

public sealed class ScraperRefusedException(HttpStatusCode status, string? problemType, string message, bool transient, TimeSpan? retryAfter)
    : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
    public string? ProblemType { get; } = problemType;
    public bool Transient { get; } = transient;
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static async Task<ScraperRefusedException> FromAsync(HttpResponseMessage response, DateTimeOffset now, CancellationToken ct)
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
            ?? (response.Headers.RetryAfter?.Date is { } date ? date - now : null);
        return new ScraperRefusedException(status, type, $"Scraper answered {(int)status}: {detail ?? response.ReasonPhrase}", transient, retryAfter);
    }
}
