namespace Platform.Api.Formats.Text;

/// <summary>
/// The `summary` format: the highest-ranked sentences by TextRank, returned in their original order so the
/// summary reads like the text. Similarity between two sentences is the TextRank paper's word overlap
/// normalised by their lengths, over content words (stop words removed, light stem).
/// </summary>
public static class ExtractiveSummarizer
{
    public sealed record Sentence(int Index, string Text, double Score);

    /// <summary>Picks at most <paramref name="maxSentences"/> sentences (all of them when the text is that short).</summary>
    public static IReadOnlyList<Sentence> Summarize(TextDocument document, int maxSentences)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSentences, 1);
        var sentences = document.Paragraphs.SelectMany(p => SentenceSplitter.Split(p.Text)).ToList();
        if (sentences.Count == 0)
        {
            return [];
        }
        var stopWords = StopWords.Detect(string.Join(' ', sentences));
        var terms = sentences
            .Select(s => WordTokenizer.Tokenize(s, stopWords).Where(w => !w.IsStopWord).Select(w => w.Key).ToHashSet(StringComparer.Ordinal))
            .ToList();

        // Only pairs that share a term have an edge; an inverted index finds them without comparing every pair.
        var postings = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < terms.Count; i++)
        {
            foreach (var term in terms[i])
            {
                if (!postings.TryGetValue(term, out var list))
                {
                    postings[term] = list = [];
                }
                list.Add(i);
            }
        }
        var overlaps = new Dictionary<(int, int), int>();
        foreach (var list in postings.Values)
        {
            for (var x = 0; x < list.Count; x++)
            {
                for (var y = x + 1; y < list.Count; y++)
                {
                    var key = (list[x], list[y]);
                    overlaps[key] = overlaps.GetValueOrDefault(key) + 1;
                }
            }
        }
        var edges = new Dictionary<(int A, int B), double>(overlaps.Count);
        foreach (var ((a, b), overlap) in overlaps)
        {
            // log(1 + n) instead of the paper's log(n) keeps one-word sentences from dividing by zero.
            edges[(a, b)] = overlap / (Math.Log(1 + terms[a].Count) + Math.Log(1 + terms[b].Count));
        }

        var scores = TextRank.Rank(sentences.Count, edges);
        return Enumerable.Range(0, sentences.Count)
            .OrderByDescending(i => scores[i])
            .ThenBy(i => i)
            .Take(maxSentences)
            .Order()
            .Select(i => new Sentence(i, sentences[i], scores[i]))
            .ToList();
    }
}
