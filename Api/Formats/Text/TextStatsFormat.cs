using System.Text.Json;
using System.Text.RegularExpressions;

namespace Platform.Api.Formats.Text;

/// <summary>Counts words and sentences, estimates reading time and guesses the language. Offline and fast: the engine's smoke format.</summary>
public sealed partial class TextStatsFormat : IFormatProcessor
{
    /// <summary>Average silent reading speed of adults for non-fiction (Brysbaert, 2019).</summary>
    private const double WordsPerMinute = 238;

    public FormatDescriptor Descriptor { get; } = new(
        "text-stats", "Words, sentences, reading time and language", FormatNeeds.Text, IsDefault: true, "application/json");

    /// <summary>Linear in the text (three regex passes); off the executor's thread, observing the token between passes.</summary>
    public async Task<FormatOutput> ProcessAsync(FormatContext context, CancellationToken cancellationToken)
    {
        var text = context.Text ?? throw new PermanentFormatException("text-stats needs text.");
        var stats = await Task.Run(() =>
        {
            context.ReportProgress(0.5, "counting");
            return Analyze(text, cancellationToken);
        }, cancellationToken);
        context.ReportProgress(1);
        return new FormatOutput(Descriptor.ContentType, JsonSerializer.SerializeToUtf8Bytes(stats, JsonSerializerOptions.Web));
    }

    public static TextStats Analyze(string text, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var words = WordPattern().Matches(text).Select(m => m.Value).ToList();
        cancellationToken.ThrowIfCancellationRequested();
        var sentences = SentenceEnd().Split(text).Count(s => WordPattern().IsMatch(s));
        cancellationToken.ThrowIfCancellationRequested();
        var paragraphs = ParagraphBreak().Split(text.Trim()).Count(p => p.Length > 0 && WordPattern().IsMatch(p));
        var (language, confidence) = LanguageDetector.Guess(words);
        return new TextStats(
            Words: words.Count,
            Sentences: sentences,
            Paragraphs: paragraphs,
            Characters: text.Length,
            ReadingTimeSeconds: (int)Math.Ceiling(words.Count / WordsPerMinute * 60),
            Language: language,
            LanguageConfidence: Math.Round(confidence, 2));
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+(?:['’\-][\p{L}\p{N}]+)*")]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"(?<=[.!?…])\s+|\n{2,}")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"\n\s*\n")]
    private static partial Regex ParagraphBreak();
}

public sealed record TextStats(
    int Words, int Sentences, int Paragraphs, int Characters, int ReadingTimeSeconds, string? Language, double LanguageConfidence);
