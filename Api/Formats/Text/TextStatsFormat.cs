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
        var (language, confidence) = LanguageGuess.Guess(words);
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

/// <summary>Guesses the language from the share of very common function words; good enough to label a text, not to translate it.</summary>
internal static class LanguageGuess
{
    private static readonly Dictionary<string, HashSet<string>> StopWords = new()
    {
        ["en"] = ["the", "and", "of", "to", "a", "in", "is", "that", "it", "for", "was", "on", "are", "with", "as", "this", "be", "at", "by", "not"],
        ["de"] = ["der", "die", "und", "das", "ist", "nicht", "ein", "eine", "zu", "den", "mit", "sich", "des", "auf", "für", "im", "dem", "von", "auch", "es"],
        ["fr"] = ["le", "la", "les", "et", "des", "est", "un", "une", "du", "que", "pas", "pour", "dans", "qui", "sur", "au", "avec", "ce", "il", "ne"],
        ["es"] = ["el", "la", "de", "que", "y", "los", "las", "en", "un", "una", "es", "por", "con", "para", "del", "se", "no", "al", "lo", "como"],
        ["it"] = ["il", "di", "che", "e", "la", "per", "un", "una", "non", "sono", "del", "della", "con", "gli", "le", "si", "da", "in", "è", "come"],
        ["nl"] = ["de", "het", "een", "en", "van", "is", "dat", "niet", "op", "te", "zijn", "met", "voor", "er", "ook", "maar", "aan", "die", "om", "wordt"],
        ["pt"] = ["o", "a", "de", "que", "e", "do", "da", "em", "um", "uma", "para", "com", "não", "os", "as", "no", "na", "por", "se", "mais"],
    };

    public static (string? Language, double Confidence) Guess(IReadOnlyList<string> words)
    {
        if (words.Count < 3)
        {
            return (null, 0);
        }
        var lower = words.Select(w => w.ToLowerInvariant()).ToList();
        var scores = StopWords.ToDictionary(kv => kv.Key, kv => lower.Count(kv.Value.Contains));
        var ranked = scores.OrderByDescending(kv => kv.Value).ToList();
        var (best, hits) = (ranked[0].Key, ranked[0].Value);
        if (hits == 0)
        {
            return (null, 0);
        }
        // Confidence: how much the winner stands out from the runner-up (shared words like "de" score for several).
        var runnerUp = ranked[1].Value;
        return (best, (double)(hits - runnerUp) / hits);
    }
}
