using System.Globalization;

namespace Platform.Api.Formats.Text;

/// <summary>
/// The one language guess of the text formats (text-stats labels a text with it; keywords and summary pick their stop-word
/// list by it): the share of very common function words, good enough to label a text, not to translate it.
/// </summary>
public static class LanguageDetector
{
    /// <summary>Words read at most: the guess settles long before, and a huge text costs no more than this.</summary>
    public const int MaxWords = 5000;

    private static readonly (string Language, HashSet<string> Words)[] Markers =
    [
        ("en", ["the", "and", "of", "to", "a", "in", "is", "that", "it", "for", "was", "on", "are", "with", "as", "this", "be", "at", "by", "not"]),
        ("de", ["der", "die", "und", "das", "ist", "nicht", "ein", "eine", "zu", "den", "mit", "sich", "des", "auf", "für", "im", "dem", "von", "auch", "es"]),
        ("fr", ["le", "la", "les", "et", "des", "est", "un", "une", "du", "que", "pas", "pour", "dans", "qui", "sur", "au", "avec", "ce", "il", "ne"]),
        ("es", ["el", "la", "de", "que", "y", "los", "las", "en", "un", "una", "es", "por", "con", "para", "del", "se", "no", "al", "lo", "como"]),
        ("it", ["il", "di", "che", "e", "la", "per", "un", "una", "non", "sono", "del", "della", "con", "gli", "le", "si", "da", "in", "è", "come"]),
        ("nl", ["de", "het", "een", "en", "van", "is", "dat", "niet", "op", "te", "zijn", "met", "voor", "er", "ook", "maar", "aan", "die", "om", "wordt"]),
        ("pt", ["o", "a", "de", "que", "e", "do", "da", "em", "um", "uma", "para", "com", "não", "os", "as", "no", "na", "por", "se", "mais"]),
    ];

    /// <summary>
    /// The language whose function words occur most among the first <see cref="MaxWords"/> words (any case), and how much it
    /// stands out from the runner-up (0–1; words like "de" score for several). No language under three words or no hit.
    /// </summary>
    public static (string? Language, double Confidence) Guess(IEnumerable<string> words)
    {
        var scores = new int[Markers.Length];
        var read = 0;
        foreach (var word in words.Take(MaxWords))
        {
            read++;
            var lower = word.ToLower(CultureInfo.InvariantCulture);
            for (var i = 0; i < Markers.Length; i++)
            {
                if (Markers[i].Words.Contains(lower))
                {
                    scores[i]++;
                }
            }
        }
        if (read < 3)
        {
            return (null, 0);
        }
        var ranked = Enumerable.Range(0, Markers.Length).OrderByDescending(i => scores[i]).ToArray();
        var (hits, runnerUp) = (scores[ranked[0]], scores[ranked[1]]);
        return hits == 0 ? (null, 0) : (Markers[ranked[0]].Language, (double)(hits - runnerUp) / hits);
    }
}
