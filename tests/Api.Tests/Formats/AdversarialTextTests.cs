using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Platform.Api.Formats;
using Platform.Api.Formats.Text;
using static Platform.Api.Tests.Formats.TextFormatTestKit;

namespace Platform.Api.Tests.Formats;

/// <summary>
/// Texts built to make the offline formats do quadratic work or recurse deeply (issue 13, item 1): every text format must
/// finish each of them within its bound, or refuse it as a permanent failure, and stop when its job is cancelled.
/// </summary>
public sealed class AdversarialTextTests
{
    /// <summary>The longest text a submission may carry by default (SubmissionLimits.MaxTextChars).</summary>
    private const int MaxText = 200_000;

    public static readonly TheoryData<string> Formats = [SummaryFormat.Name, KeywordsFormat.Name, OutlineFormat.Name, "text-stats"];

    public static TheoryData<string, string> FormatsAndTexts()
    {
        var data = new TheoryData<string, string>();
        foreach (var format in Formats)
        {
            foreach (var text in AdversarialTexts.Keys)
            {
                data.Add(format, text);
            }
        }
        return data;
    }

    private static readonly Dictionary<string, Func<string>> AdversarialTexts = new()
    {
        // Every sentence shares one word: ~50k sentences, 10^9 sentence pairs for a naive TextRank.
        ["one word per sentence"] = () => Repeat("zq. ", MaxText),
        ["same fifty words in every sentence"] = () => Repeat(string.Join(' ', Enumerable.Range(0, 50).Select(i => $"w{i}x")) + ". ", MaxText),
        ["one sentence of 100k words"] = () => Repeat("ab ", MaxText),
        ["one 200k-character word"] = () => new string('q', MaxText),
        ["abbreviations that never end a sentence"] = () => Repeat("Dr. ", MaxText),
        ["blockquotes nested 20k deep"] = () => new string('>', 20_000) + " deep",
        ["list items nested deeper and deeper"] = () => string.Concat(Enumerable.Range(0, 2_000).Select(i => new string(' ', i * 2) + "- x\n")),
        ["unclosed link targets"] = () => Repeat("[a](", MaxText),
        ["unclosed brackets"] = () => new string('[', MaxText),
        ["unclosed images"] = () => Repeat("![a](b ", MaxText),
        ["emphasis markers"] = () => Repeat("*a _b ", MaxText),
        ["fifty thousand headings"] = () => Repeat("# h\n", MaxText),
        ["sixty thousand paragraphs"] = () => Repeat("x\n\n", MaxText),
        ["numbered headings"] = () => Repeat("1.1.1.1.1.1 Scope\n\n", MaxText),
        ["accented sentences"] = () => Repeat("éé. ", MaxText),
    };

    private static string Repeat(string unit, int length)
    {
        var text = new StringBuilder(length + unit.Length);
        while (text.Length < length)
        {
            text.Append(unit);
        }
        return text.ToString(0, length);
    }

    private static IFormatProcessor Create(string name, TextFormatsOptions? settings = null)
    {
        var options = Microsoft.Extensions.Options.Options.Create(settings ?? Settings.Value);
        return name switch
        {
            SummaryFormat.Name => new SummaryFormat(options, Metrics),
            KeywordsFormat.Name => new KeywordsFormat(options, Metrics),
            OutlineFormat.Name => new OutlineFormat(options, Metrics),
            "text-stats" => new TextStatsFormat(),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    [Fact]
    public void Summary_of_thousands_of_sentences_sharing_one_word_allocates_a_bounded_amount()
    {
        // 6,000 sentences: 18 million sentence pairs for an unbounded pair count (about a gigabyte of dictionary).
        var document = TextDocument.Parse(Repeat("zq. ", 24_000));
        var before = GC.GetAllocatedBytesForCurrentThread();

        var summary = ExtractiveSummarizer.Summarize(document, 5, cancellationToken: TestContext.Current.CancellationToken);

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(5, summary.Count);
        Assert.True(allocated < 200L * 1024 * 1024, $"Summarizing allocated {allocated / (1024 * 1024)} MiB.");
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task A_text_format_stops_when_its_job_is_cancelled_while_it_computes(string name)
    {
        var format = Create(name);
        using var cancel = new CancellationTokenSource();
        // The job is cancelled the moment the format says it has parsed the text and starts the heavy part.
        var context = new FormatContext(Guid.NewGuid(), name, 1, url: null, Repeat("zq. ", 12_000), capture: null,
            JsonDocument.Parse("{}").RootElement, new CancelOnProgress(cancel));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => format.ProcessAsync(context, cancel.Token));
    }

    [Theory]
    [MemberData(nameof(FormatsAndTexts))]
    public async Task A_text_format_finishes_an_adversarial_text_within_its_bound_or_refuses_it(string name, string text)
    {
        var format = Create(name);
        var input = AdversarialTexts[text]();
        var elapsed = Stopwatch.StartNew();

        try
        {
            var output = await format.ProcessAsync(FormatContext.ForText(name, input), TestContext.Current.CancellationToken);
            Assert.True(output.Bytes.Length <= 4 * input.Length + 4096, $"{name} wrote {output.Bytes.Length} bytes for {input.Length} characters.");
        }
        catch (PermanentFormatException refused)
        {
            Assert.Contains("time", refused.Message, StringComparison.OrdinalIgnoreCase);
        }
        // The time budget (TextFormats:MaxComputeTime, 20 s) plus room for a loaded test machine.
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(30), $"{name} took {elapsed.Elapsed} on '{text}'.");
    }

    [Fact]
    public async Task A_text_format_over_its_time_budget_fails_permanently_with_a_clear_message()
    {
        var format = Create(SummaryFormat.Name, new TextFormatsOptions { MaxComputeTime = TimeSpan.FromMilliseconds(1) });

        var refused = await Assert.ThrowsAsync<PermanentFormatException>(() =>
            format.ProcessAsync(FormatContext.ForText(SummaryFormat.Name, Repeat("Coral reefs are alive. Reefs grow slowly. ", MaxText)),
                TestContext.Current.CancellationToken));

        Assert.Contains("time", refused.Message, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Cancels the job at the first progress report after the start ("ranking", "counting" …).</summary>
    private sealed class CancelOnProgress(CancellationTokenSource cancel) : ITaskReporter
    {
        public void ReportProgress(string format, double fraction, string? message)
        {
            if (fraction is > 0.1 and < 1)
            {
                cancel.Cancel();
            }
        }

        public ValueTask AppendOutputAsync(string format, string chunk, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
