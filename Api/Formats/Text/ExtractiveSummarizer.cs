namespace Platform.Api.Formats.Text;

/// <summary>
/// The `summary` format: the highest-ranked sentences by TextRank, returned in their original order so the
/// summary reads like the text. Similarity between two sentences is the TextRank paper's word overlap
/// normalised by their lengths, over content words (stop words removed, light stem).
/// </summary>
public static class ExtractiveSummarizer
{
    public sealed record Sentence(int Index, string Text, double Score);

    /// <summary>The default bound on ranked sentences (TextFormatsOptions.MaxRankedSentences).</summary>
    public const int DefaultMaxRankedSentences = 1_000;

    /// <summary>
    /// Picks at most <paramref name="maxSentences"/> sentences (all of them when the text is that short) from the first
    /// <paramref name="maxRankedSentences"/> sentences of the text. Work and memory are bounded by that count squared;
    /// the token is observed between rows of the pair count and between TextRank iterations.
    /// </summary>
    public static IReadOnlyList<Sentence> Summarize(TextDocument document, int maxSentences,
        int maxRankedSentences = DefaultMaxRankedSentences, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSentences, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRankedSentences, 1);
        var sentences = document.Paragraphs.SelectMany(p => SentenceSplitter.Split(p.Text)).Take(maxRankedSentences).ToList();
        if (sentences.Count == 0)
        {
            return [];
        }
        var stopWords = StopWords.Detect(string.Join(' ', sentences));
        var terms = sentences
            .Select(s => WordTokenizer.Tokenize(s, stopWords).Where(w => !w.IsStopWord).Select(w => w.Key).ToHashSet(StringComparer.Ordinal))
            .ToList();
        cancellationToken.ThrowIfCancellationRequested();

        // Only pairs that share a term have an edge; an inverted index finds them without comparing every pair. Shared
        // terms are counted in a triangular array (pair (a, b), a < b, at b(b-1)/2 + a): its size is fixed by the bound on
        // sentences, not by how many sentences share a word.
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
        var overlaps = new int[(long)sentences.Count * (sentences.Count - 1) / 2];
        foreach (var list in postings.Values)
        {
            for (var y = 1; y < list.Count; y++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var row = (long)list[y] * (list[y] - 1) / 2;
                for (var x = 0; x < y; x++)
                {
                    overlaps[row + list[x]]++;
                }
            }
        }
        var edges = new Dictionary<(int A, int B), double>();
        for (var b = 1; b < sentences.Count; b++)
        {
            var row = (long)b * (b - 1) / 2;
            for (var a = 0; a < b; a++)
            {
                if (overlaps[row + a] is > 0 and var overlap)
                {
                    // log(1 + n) instead of the paper's log(n) keeps one-word sentences from dividing by zero.
                    edges[(a, b)] = overlap / (Math.Log(1 + terms[a].Count) + Math.Log(1 + terms[b].Count));
                }
            }
        }

        var scores = TextRank.Rank(sentences.Count, edges, cancellationToken);
        return Enumerable.Range(0, sentences.Count)
            .OrderByDescending(i => scores[i])
            .ThenBy(i => i)
            .Take(maxSentences)
            .Order()
            .Select(i => new Sentence(i, sentences[i], scores[i]))
            .ToList();
    }
}
