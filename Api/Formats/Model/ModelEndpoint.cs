using System.ClientModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Platform.Coordination;

namespace Platform.Api.Formats.Model;

/// <summary>
/// The one OpenAI-compatible endpoint the model formats share. A call holds a slot of the Redis semaphore
/// "model-endpoint" (<see cref="ModelOptions.MaxConcurrentCalls"/> across every replica) for exactly as long as it
/// streams, appends each streamed piece to the task's output as it arrives, and turns every failure into the
/// engine's vocabulary: 429 → transient with its Retry-After, timeouts and cut streams → transient, other 4xx →
/// permanent. The retry itself is the engine's (backoff with full jitter), so no slot is held while waiting and each
/// try starts with a fresh "running" task state, which resets the partial text clients show (docs/architecture.md).
/// </summary>
public sealed class ModelEndpoint(
    IChatClient? chatClient,
    IDistributedSemaphore semaphore,
    IOptions<ModelOptions> options,
    ModelMetrics metrics,
    TimeProvider time,
    ILogger<ModelEndpoint> logger)
{
    public const string SemaphoreResource = "model-endpoint";

    private ModelOptions Settings => options.Value;

    public bool IsConfigured => chatClient is not null && Settings.IsConfigured;

    /// <summary>Streams the model's answer into <paramref name="context"/>'s output and returns the whole text.</summary>
    public async Task<string> StreamAsync(FormatContext context, IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken)
    {
        if (chatClient is null)
        {
            throw new PermanentFormatException("No model endpoint is configured (ConnectionStrings:model or the Model section).");
        }
        context.ReportProgress(0.02, "waiting for a model slot");
        await using var slot = await AcquireSlotAsync(cancellationToken);

        using var overall = new CancellationTokenSource(Settings.CallTimeout);
        using var idle = new CancellationTokenSource(Settings.FirstTokenTimeout);
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, slot.LeaseLost, overall.Token, idle.Token);
        var answer = new Answer(Stopwatch.GetTimestamp());
        var outcome = "failed";
        metrics.CallStarted();
        context.ReportProgress(0.05, "model is writing");
        try
        {
            await ReceiveAsync(context, messages, answer, idle, call.Token, cancellationToken);
            if (!answer.Finished)
            {
                // An OpenAI-compatible stream always ends with a finish reason; without one the connection was cut.
                outcome = "cut";
                throw new TransientFormatException("The model's stream ended before the answer was finished.");
            }
            if (answer.Text.Length == 0)
            {
                throw new PermanentFormatException("The model returned no text.");
            }
            outcome = "completed";
            return answer.Text.ToString();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = "cancelled";
            throw;
        }
        catch (OperationCanceledException ex) when (slot.LeaseLost.IsCancellationRequested)
        {
            // The shared cap can no longer be guaranteed for this call, so it stops and a later try waits for a slot again.
            outcome = "lease-lost";
            throw new TransientFormatException("The model slot's lease was lost; the call was stopped.", inner: ex);
        }
        catch (OperationCanceledException ex)
        {
            outcome = "timeout";
            var what = overall.IsCancellationRequested ? $"took longer than {Settings.CallTimeout}"
                : answer.Updates == 0 ? $"sent nothing for {Settings.FirstTokenTimeout}"
                : $"was silent for {Settings.IdleTimeout}";
            throw new TransientFormatException($"The model call {what}.", inner: ex);
        }
        catch (ClientResultException ex)
        {
            outcome = ex.Status == 429 ? "throttled" : "failed";
            throw Classify(ex, time.GetUtcNow());
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            outcome = "cut";
            throw new TransientFormatException($"The connection to the model broke: {ex.Message}", inner: ex);
        }
        finally
        {
            metrics.CallEnded(context.Format, outcome, Stopwatch.GetElapsedTime(answer.Started));
            if (outcome != "completed")
            {
                logger.LogInformation("Model call for {Format} of job {JobId} (try {Attempt}) ended {Outcome} after {Chars} characters",
                    context.Format, context.JobId, context.Attempt, outcome, answer.Text.Length);
            }
        }
    }

    /// <summary>What the stream has delivered so far.</summary>
    private sealed class Answer(long started)
    {
        public long Started { get; } = started;
        public StringBuilder Text { get; } = new();
        public int Updates { get; set; }
        public bool Finished { get; set; }
    }

    /// <summary>Reads the stream into <paramref name="answer"/> and the task's output; each update re-arms the idle timeout.</summary>
    private async Task ReceiveAsync(FormatContext context, IReadOnlyList<ChatMessage> messages, Answer answer,
        CancellationTokenSource idle, CancellationToken callToken, CancellationToken cancellationToken)
    {
        var chatOptions = new ChatOptions
        {
            ModelId = Settings.Model,
            MaxOutputTokens = Settings.MaxOutputTokens,
            Temperature = Settings.Temperature,
        };
        await foreach (var update in chatClient!.GetStreamingResponseAsync(messages, chatOptions, callToken))
        {
            idle.CancelAfter(Settings.IdleTimeout);
            answer.Updates++;
            answer.Finished |= update.FinishReason is not null;
            var piece = update.Text;
            if (string.IsNullOrEmpty(piece))
            {
                continue;
            }
            if (answer.Text.Length == 0)
            {
                metrics.FirstToken(context.Format, Stopwatch.GetElapsedTime(answer.Started));
            }
            answer.Text.Append(piece);
            metrics.Streamed(context.Format, piece.Length);
            await context.AppendOutputAsync(piece, cancellationToken);
            // The answer's length is unknown in advance: approach 95 % as the text grows, labelled with its size.
            context.ReportProgress(0.05 + 0.9 * (1 - Math.Exp(-answer.Text.Length / 1500.0)), $"{answer.Text.Length} characters written");
        }
    }

    private async Task<SemaphoreLease> AcquireSlotAsync(CancellationToken cancellationToken)
    {
        SemaphoreLease? slot;
        try
        {
            slot = await semaphore.AcquireAsync(SemaphoreResource, Settings.MaxConcurrentCalls, Settings.SlotWait, cancellationToken);
        }
        catch (CoordinationUnavailableException ex)
        {
            // Without Redis the cross-replica cap cannot be kept, and no other store guards model calls: wait, do not call.
            throw new TransientFormatException("The model-call limiter (Redis) is unreachable.", TimeSpan.FromSeconds(2), ex);
        }
        return slot ?? throw new TransientFormatException(
            $"All {Settings.MaxConcurrentCalls} model slots stayed busy for {Settings.SlotWait}.");
    }

    /// <summary>Maps an HTTP failure of the endpoint onto the engine's retry vocabulary.</summary>
    internal static Exception Classify(ClientResultException ex, DateTimeOffset now)
    {
        var status = ex.Status;
        if (status == 429)
        {
            return new TransientFormatException("The model endpoint is rate-limiting (429).", RetryAfter(ex, now), ex);
        }
        if (status is 0 or 408 or 409 or >= 500)
        {
            return new TransientFormatException($"The model endpoint failed ({(status == 0 ? "no response" : status.ToString(CultureInfo.InvariantCulture))}).", RetryAfter(ex, now), ex);
        }
        return new PermanentFormatException($"The model endpoint refused the request ({status}): {ex.Message}", ex);
    }

    /// <summary>Retry-After in seconds or as an HTTP date, or OpenAI's retry-after-ms; null when absent.</summary>
    internal static TimeSpan? RetryAfter(ClientResultException ex, DateTimeOffset now)
    {
        var headers = ex.GetRawResponse()?.Headers;
        if (headers is null)
        {
            return null;
        }
        if (headers.TryGetValue("retry-after-ms", out var ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var millis) && millis >= 0)
        {
            return TimeSpan.FromMilliseconds(millis);
        }
        if (!headers.TryGetValue("Retry-After", out var value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }
        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? TimeSpan.FromTicks(Math.Max(0, (at - now).Ticks))
            : null;
    }
}
