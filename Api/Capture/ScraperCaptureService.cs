using System.Net.Http;
using System.Text;
using System.Text.Json;
using Platform.Api.Formats;
using Platform.Scraper.Contracts;
using ApiCaptureRequest = Platform.Api.Formats.CaptureRequest;
using ScraperCaptureRequest = Platform.Scraper.Contracts.CaptureRequest;

namespace Platform.Api.Capture;

/// <summary>
/// The job engine's capture seam over the Scraper: one capture per job attempt with every capture format the job asked for,
/// progress frames mapped to <see cref="CaptureProgress"/>, outputs to artifacts, and failures classified so the engine
/// retries what is transient (saturation, browser crash, timeouts, target 5xx) and fails what is not. A Scraper that stops
/// sending (a stopped or wedged replica keeps the connection open) ends the capture by the client's frame idle timeout or
/// its deadline (<see cref="ScraperClientOptions"/>), never holding a job forever.
/// </summary>
public sealed class ScraperCaptureService(ScraperClient scraper, ILogger<ScraperCaptureService> logger)
    : ICaptureService
{
    public async Task<CaptureResult> CaptureAsync(ApiCaptureRequest request, IProgress<CaptureProgress> progress, CancellationToken cancellationToken)
    {
        var outputs = OutputsFor(request);
        var reservation = UsableReservation(request.Reservation);
        var scraperRequest = ScraperRequestFor(request, outputs, reservation);
        var frames = new CaptureFrameCollector(request, outputs.Count, progress);
        progress.Report(new CaptureProgress(0.02, "queued at the scraper"));
        // A reservation that can no longer be guaranteed (Redis forgot it) ends the capture like a cancel; the job is requeued.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, reservation?.Lost ?? CancellationToken.None);
        var replica = reservation?.Scraper;
        try
        {
            await foreach (var frame in scraper.CaptureAsync(scraperRequest, replica, linked.Token))
            {
                frames.Accept(frame);
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && reservation?.Lost.IsCancellationRequested == true)
        {
            // Whatever the stream's end looked like (a cancel, an aborted connection), it was the reservation's loss.
            throw new CaptureReservationLostException(e);
        }
        catch (ScraperRefusedException e)
        {
            logger.LogInformation("Scraper refused capture of {Url}: {Message}", request.Url, e.Message);
            throw e.Transient ? new TransientFormatException(e.Message, e.RetryAfter, e) : new PermanentFormatException(e.Message, e);
        }
        catch (ScraperTimeoutException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientFormatException(e.Message, null, e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException && !cancellationToken.IsCancellationRequested)
        {
            if (replica is not null && e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } && reservation is not null)
            {
                // The reserved replica is gone: the next try goes to whichever replica service discovery picks.
                logger.LogInformation("Scraper replica {Replica} could not be reached; retrying through service discovery.", replica);
                await reservation.ReleasePageAsync();
            }
            throw new TransientFormatException($"The Scraper connection failed: {e.Message}", null, e);
        }
        catch (Exception e) when (e is not OperationCanceledException && e is not TransientFormatException && e is not PermanentFormatException
                                  && !cancellationToken.IsCancellationRequested)
        {
            // Resilience pipeline refusals (open circuit breaker, attempt timeout) are worth another try later.
            throw new TransientFormatException($"The Scraper could not be reached: {e.Message}", null, e);
        }
        return frames.ToResult();
    }

    /// <summary>The Scraper outputs a job's formats need: each capture format, text when a text format needs it, else metadata.</summary>
    private static List<CaptureOutput> OutputsFor(ApiCaptureRequest request)
    {
        var outputs = new List<CaptureOutput>();
        foreach (var format in request.Formats)
        {
            if (!CaptureOutputs.TryParse(format, out var output))
            {
                throw new PermanentFormatException($"'{format}' is not a capture format.");
            }
            outputs.Add(output);
        }
        if (request.NeedsText && !outputs.Contains(CaptureOutput.Text))
        {
            outputs.Add(CaptureOutput.Text);
        }
        if (outputs.Count == 0)
        {
            outputs.Add(CaptureOutput.Metadata); // nothing asked: still prove the page loads and report its final URL
        }
        return outputs;
    }

    /// <summary>
    /// The reservation this try may use (null: none, no Scraper advertised). A page given up after a connection failure
    /// leaves the host slot reserved and the try goes through service discovery. One that Redis forgot (restarted, failed
    /// over) or stopped renewing is not used: the job goes back to the queue.
    /// </summary>
    private static CaptureReservation? UsableReservation(CaptureReservation? reservation) =>
        reservation?.Lost.IsCancellationRequested == true ? throw new CaptureReservationLostException() : reservation;

    private static ScraperCaptureRequest ScraperRequestFor(ApiCaptureRequest request, List<CaptureOutput> outputs, CaptureReservation? reservation)
    {
        var settings = CaptureSettings.From(request.Options);
        return new ScraperCaptureRequest
        {
            Url = request.Url.AbsoluteUri,
            Outputs = outputs,
            Wait = settings.Wait ?? CaptureWait.Load,
            Selector = settings.Selector,
            TimeoutMs = Math.Clamp(settings.TimeoutMs ?? 30_000, 500, 300_000),
            FullPage = settings.FullPage ?? true,
            Viewport = settings.Viewport ?? new CaptureViewport(),
            HostReservation = reservation?.Host is { } host ? new HostReservation(host.Resource, host.LeaseId) : null,
        };
    }

    /// <summary>Turns one capture's frames into progress, artifacts and per-output failures, then the job's capture result.</summary>
    private sealed class CaptureFrameCollector(ApiCaptureRequest request, int outputCount, IProgress<CaptureProgress> progress)
    {
        private readonly Dictionary<string, FormatOutput> _artifacts = [];
        private readonly Dictionary<string, string> _failures = [];
        private string? _text, _title;
        private Uri? _finalUrl;
        private int _produced;

        public void Accept(CaptureFrame frame)
        {
            switch (frame.Type)
            {
                case CaptureFrame.Types.Progress:
                    progress.Report(frame.Stage switch
                    {
                        CaptureFrame.Stages.Navigating => new CaptureProgress(0.1, "navigating"),
                        CaptureFrame.Stages.Loaded => new CaptureProgress(0.4, "page loaded"),
                        _ => new CaptureProgress(0.4 + 0.6 * _produced / outputCount, $"rendering {frame.Output}"),
                    });
                    break;
                case CaptureFrame.Types.Output:
                    AcceptOutput(frame);
                    break;
                case CaptureFrame.Types.Error when frame.Output is not null:
                    _produced++;
                    _failures[frame.Output] = Describe(frame.Problem);
                    break;
                case CaptureFrame.Types.Error:
                    throw ToFormatException(frame.Problem);
                case CaptureFrame.Types.Result:
                    _finalUrl = frame.FinalUrl is { } u ? new Uri(u) : request.Url;
                    break;
            }
        }

        private void AcceptOutput(CaptureFrame frame)
        {
            _produced++;
            var output = frame.Output!;
            var bytes = frame.Body.Length > 0 || frame.Data is null ? frame.Body.ToArray() : DataBytes(frame.Data.Value);
            if (output == "text")
            {
                _text = Encoding.UTF8.GetString(bytes);
            }
            if (output == "metadata" && frame.Data is { } metadata && metadata.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String)
            {
                _title = t.GetString();
            }
            if (request.Formats.Contains(output))
            {
                _artifacts[output] = new FormatOutput(frame.ContentType ?? "application/octet-stream", bytes);
            }
            progress.Report(new CaptureProgress(0.4 + 0.6 * _produced / outputCount, $"{output} ready"));
        }

        public CaptureResult ToResult()
        {
            if (_finalUrl is null)
            {
                throw new TransientFormatException("The capture stream ended before its result.");
            }
            foreach (var format in request.Formats.Where(f => !_artifacts.ContainsKey(f) && !_failures.ContainsKey(f)))
            {
                _failures[format] = "The Scraper did not produce this output.";
            }
            if (request.NeedsText && _text is null)
            {
                throw new PermanentFormatException(_failures.GetValueOrDefault("text") ?? "The page's text could not be extracted.");
            }
            return new CaptureResult(_finalUrl, _artifacts, _failures, _text, _title);
        }
    }

    private static byte[] DataBytes(JsonElement data) =>
        data.ValueKind == JsonValueKind.String ? Encoding.UTF8.GetBytes(data.GetString()!) : JsonSerializer.SerializeToUtf8Bytes(data, CaptureStream.Json);

    private static Exception ToFormatException(CaptureProblem? problem)
    {
        var message = Describe(problem);
        return problem?.Transient == true ? new TransientFormatException(message) : new PermanentFormatException(message);
    }

    private static string Describe(CaptureProblem? problem) =>
        problem is null ? "The capture failed." : string.IsNullOrEmpty(problem.Detail) ? problem.Title : $"{problem.Title} {problem.Detail}";
}
