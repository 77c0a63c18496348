namespace Platform.Api.Formats.Text;

/// <summary>
/// Splits a paragraph into sentences at . ! ? … (and CJK 。！？) followed by a space, without breaking after common
/// abbreviations ("e.g.", "Dr."), initials ("J. R.") or inside numbers and names ("3.5", "example.com").
/// </summary>
public static class SentenceSplitter
{
    private static readonly HashSet<string> Abbreviations = new(StringComparer.OrdinalIgnoreCase)
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "etc", "e.g", "i.e", "cf", "al", "approx",
        "inc", "ltd", "co", "corp", "dept", "fig", "no", "vol", "pp", "ch", "sec", "jan", "feb", "mar", "apr",
        "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "a.m", "p.m", "ph.d", "z.b", "bzw", "ca",
    };

    public static IReadOnlyList<string> Split(string paragraph)
    {
        var sentences = new List<string>();
        var start = 0;
        for (var i = 0; i < paragraph.Length; i++)
        {
            var c = paragraph[i];
            if (c is '。' or '！' or '？')
            {
                Add(paragraph[start..(i + 1)]);
                start = i + 1;
                continue;
            }
            if (c is not ('.' or '!' or '?' or '…'))
            {
                continue;
            }

            // Take the whole run of terminators and closing quotes/brackets: "Really?!" or "(see above.)".
            var end = i + 1;
            while (end < paragraph.Length && (paragraph[end] is '.' or '!' or '?' or '…' || IsCloser(paragraph[end])))
            {
                end++;
            }
            if (end < paragraph.Length && !char.IsWhiteSpace(paragraph[end]))
            {
                i = end - 1;
                continue;
            }
            var next = end;
            while (next < paragraph.Length && char.IsWhiteSpace(paragraph[next]))
            {
                next++;
            }
            // Pasted notes often start sentences in lower case, so any terminator before a space ends one, except an abbreviation's dot.
            if (!(c == '.' && end == i + 1 && IsAbbreviation(paragraph, start, i)))
            {
                Add(paragraph[start..end]);
                start = next;
            }
            i = end - 1;
        }
        if (start < paragraph.Length)
        {
            Add(paragraph[start..]);
        }
        return sentences;

        void Add(string sentence)
        {
            sentence = sentence.Trim();
            if (sentence.Any(char.IsLetterOrDigit))
            {
                sentences.Add(sentence);
            }
        }
    }

    private static bool IsCloser(char c) => c is '"' or '\'' or ')' or ']' or '”' or '’' or '»';

    /// <summary>True when the word ending at <paramref name="dot"/> is an abbreviation or an initial.</summary>
    private static bool IsAbbreviation(string text, int sentenceStart, int dot)
    {
        var wordStart = dot;
        while (wordStart > sentenceStart && !char.IsWhiteSpace(text[wordStart - 1]) && text[wordStart - 1] is not ('(' or '"' or '“'))
        {
            wordStart--;
        }
        var word = text[wordStart..dot];
        if (word.Length == 1 && char.IsLetter(word[0]))
        {
            return true; // an initial, as in "J. R. R. Tolkien", or "p. 5"
        }
        return Abbreviations.Contains(word);
    }
}
