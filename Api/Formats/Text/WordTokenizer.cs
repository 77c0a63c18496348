using System.Globalization;

namespace Platform.Api.Formats.Text;

/// <summary>A word as the rankers use it: its surface form as written and its normalised key (lower case, light stem).</summary>
public readonly record struct Word(string Surface, string Key, bool IsStopWord);

/// <summary>Splits text into words and normalises them so "Reefs" and "reef" count as one term.</summary>
public static class WordTokenizer
{
    public static IReadOnlyList<Word> Tokenize(string text, StopWords stopWords)
    {
        var words = new List<Word>();
        var i = 0;
        while (i < text.Length)
        {
            if (!char.IsLetterOrDigit(text[i]))
            {
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && (char.IsLetterOrDigit(text[i]) || IsJoiner(text, i)))
            {
                i++;
            }
            var surface = text[start..i];
            var lower = surface.ToLower(CultureInfo.InvariantCulture);
            if (lower.EndsWith("'s", StringComparison.Ordinal) || lower.EndsWith("’s", StringComparison.Ordinal))
            {
                lower = lower[..^2];
                surface = surface[..^2];
            }
            words.Add(new Word(surface, Stem(lower), stopWords.Contains(lower)));
        }
        return words;
    }

    /// <summary>An apostrophe or hyphen inside a word ("don't", "state-of-the-art") keeps it one word.</summary>
    private static bool IsJoiner(string text, int i) =>
        text[i] is '\'' or '’' or '-' && i + 1 < text.Length && char.IsLetterOrDigit(text[i + 1]) && i > 0 && char.IsLetterOrDigit(text[i - 1]);

    /// <summary>
    /// A deliberately light English stem (plural and possessive endings only): enough to merge "reef"/"reefs" and
    /// "policies"/"policy" without the surprising truncations of a full Porter stemmer, and harmless for other languages.
    /// </summary>
    public static string Stem(string lower)
    {
        if (lower.Length <= 3 || !lower.All(c => c < 128 && char.IsLetter(c)))
        {
            return lower;
        }
        if (lower.EndsWith("ies", StringComparison.Ordinal) && lower.Length > 4)
        {
            return lower[..^3] + "y";
        }
        if (lower.EndsWith("sses", StringComparison.Ordinal) || lower.EndsWith("xes", StringComparison.Ordinal)
            || lower.EndsWith("ches", StringComparison.Ordinal) || lower.EndsWith("shes", StringComparison.Ordinal))
        {
            return lower[..^2];
        }
        if (lower.EndsWith('s') && !lower.EndsWith("ss", StringComparison.Ordinal) && !lower.EndsWith("us", StringComparison.Ordinal)
            && !lower.EndsWith("is", StringComparison.Ordinal))
        {
            return lower[..^1];
        }
        return lower;
    }
}
