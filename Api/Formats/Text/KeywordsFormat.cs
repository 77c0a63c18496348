using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Platform.Api.Formats.Text;

/// <summary>
/// <c>keywords</c>: the text's main terms and key phrases (TextRank over word co-occurrence) as JSON
/// <c>{"language": "en", "keywords": [{"text", "score", "occurrences"}]}</c>. Options: <c>{"keywords": {"count": 10}}</c>.
/// </summary>
public sealed class KeywordsFormat(IOptions<TextFormatsOptions> options, TextFormatMetrics metrics) : TextFormat(options, metrics)
{
    public const string Name = "keywords";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public override FormatDescriptor Descriptor { get; } = new(
        Name, "Keywords: main terms and key phrases, ranked by TextRank (offline)", FormatNeeds.Text, IsDefault: false,
        ContentType: "application/json; charset=utf-8", MaxInputChars: null);

    protected override Func<TextDocument, CancellationToken, FormatOutput> Prepare(JsonElement? formatOptions, ICollection<string> errors)
    {
        var count = FormatOptionValues.GetInt(formatOptions, "count", Settings.Keywords, 1, Settings.MaxKeywords, errors);
        return (document, ct) =>
        {
            var keywords = KeywordExtractor.Extract(document, count, ct);
            var language = StopWords.Detect(string.Join(' ', document.Blocks.Select(b => b.Text))).Language;
            var body = new
            {
                language,
                keywords = keywords.Select(k => new { text = k.Text, score = Math.Round(k.Score, 4), occurrences = k.Occurrences }),
            };
            return new FormatOutput(Descriptor.ContentType, JsonSerializer.SerializeToUtf8Bytes(body, Json));
        };
    }
}
