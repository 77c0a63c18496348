using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Platform.Api.Formats.Text;

/// <summary><c>summary</c>: the text's key sentences (TextRank), in reading order. Options: <c>{"summary": {"sentences": 5}}</c>.</summary>
public sealed class SummaryFormat(IOptions<TextFormatsOptions> options, TextFormatMetrics metrics) : TextFormat(options, metrics)
{
    public const string Name = "summary";

    public override FormatDescriptor Descriptor { get; } = new(
        Name, "Summary: the text's key sentences, picked by TextRank (offline)", FormatNeeds.Text, IsDefault: true,
        ContentType: "text/plain; charset=utf-8", MaxInputChars: null);

    protected override Func<TextDocument, CancellationToken, FormatOutput> Prepare(JsonElement? formatOptions, ICollection<string> errors)
    {
        var sentences = FormatOptionValues.GetInt(formatOptions, "sentences", Settings.SummarySentences, 1, Settings.MaxSummarySentences, errors);
        return (document, ct) =>
        {
            var summary = ExtractiveSummarizer.Summarize(document, sentences, Settings.MaxRankedSentences, ct);
            return FormatOutput.Utf8(string.Join(' ', summary.Select(s => s.Text)) + "\n", Descriptor.ContentType);
        };
    }
}
