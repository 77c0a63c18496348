using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Platform.Api.Formats.Text;

/// <summary>
/// What the offline text formats share: read and bound the job's options, cut over-long input, parse the Markdown
/// or text once, run the CPU work off the executor's thread so a job's other tasks proceed in parallel, bound it in time
/// (<see cref="TextFormatsOptions.MaxComputeTime"/>, a permanent failure beyond it) and let it observe cancellation, record metrics.
/// </summary>
public abstract class TextFormat(IOptions<TextFormatsOptions> options, TextFormatMetrics metrics) : IFormatProcessor
{
    protected TextFormatsOptions Settings => options.Value;

    public abstract FormatDescriptor Descriptor { get; }

    /// <summary>Problems with the job's <c>options["&lt;format&gt;"]</c>; empty when they are valid.</summary>
    public IReadOnlyList<string> ValidateOptions(JsonElement? formatOptions)
    {
        var errors = new List<string>();
        _ = Prepare(formatOptions, errors);
        return errors;
    }

    public async Task<FormatOutput> ProcessAsync(FormatContext context, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var compute = Prepare(context.FormatOptions, errors);
        FormatOptionValues.ThrowIfAny(Descriptor.Name, errors);
        var text = context.Text ?? throw new PermanentFormatException($"'{Descriptor.Name}' needs text, and the job has none.");
        if (text.Length > Settings.MaxInputChars)
        {
            text = text[..Settings.MaxInputChars];
        }

        var started = Stopwatch.GetTimestamp();
        context.ReportProgress(0.1, "reading text");
        // The job's token (cancel, lost lease) and the format's time budget: each computation observes it in its loops.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(Settings.MaxComputeTime);
        try
        {
            var output = await Task.Run(() =>
            {
                var document = TextDocument.Parse(text);
                budget.Token.ThrowIfCancellationRequested();
                context.ReportProgress(0.5, "ranking");
                return compute(document, budget.Token);
            }, budget.Token);
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed > Settings.MaxComputeTime)
            {
                // Finished, but past the budget: the timer that cancels the token runs on the thread pool and can come late
                // on a busy machine. The budget is the same whichever noticed it first.
                throw new OperationCanceledException(budget.Token);
            }
            metrics.Record(Descriptor.Name, text.Length, elapsed);
            context.ReportProgress(1, null);
            return output;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            metrics.OverBudget(Descriptor.Name);
            throw new PermanentFormatException(
                $"'{Descriptor.Name}' did not finish within its time limit of {Settings.MaxComputeTime.TotalSeconds:0.###} s on {text.Length} characters; " +
                "the text is too large or too repetitive for this format.");
        }
    }

    /// <summary>
    /// Validates the format's options into <paramref name="errors"/> and returns the computation bound to them, so
    /// bad options fail before any text is parsed and validation and execution read the options the same way.
    /// </summary>
    protected abstract Func<TextDocument, CancellationToken, FormatOutput> Prepare(JsonElement? formatOptions, ICollection<string> errors);
}
