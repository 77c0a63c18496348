namespace Platform.Api.Formats.Text;

/// <summary>
/// The `keywords` format: TextRank over a word co-occurrence graph (content words within a small window of each
/// other in a sentence or heading), then adjacent top words that recur together are merged into key phrases
/// ("coral reef"), as in the TextRank paper's post-processing.
/// </summary>
public static class KeywordExtractor
{
    public sealed record Keyword(string Text, double Score, int Occurrences);

    private const int Window = 3;
    private const int MaxPhraseWords = 3;

    /// <summary>Linear in the text's words (a fixed window of co-occurrence); the token is observed per sentence and per TextRank iteration.</summary>
    public static IReadOnlyList<Keyword> Extract(TextDocument document, int maxKeywords, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxKeywords, 1);
        var units = document.Blocks.SelectMany(b => b.IsHeading ? [b.Text] : SentenceSplitter.Split(b.Text)).ToList();
        if (units.Count == 0)
        {
            return [];
        }
        var stopWords = StopWords.Detect(string.Join(' ', units));
        var tokenized = units.Select(u => WordTokenizer.Tokenize(u, stopWords)).ToList();

        var graph = Graph.Build(tokenized, cancellationToken);
        if (graph.Ids.Count == 0)
        {
            return [];
        }
        var scores = TextRank.Rank(graph.Ids.Count, graph.Edges, cancellationToken);

        // The top third of the vocabulary (at least a few words) may take part in phrases.
        var topCount = Math.Max(maxKeywords, graph.Ids.Count / 3);
        var topWords = Enumerable.Range(0, graph.Ids.Count).OrderByDescending(i => scores[i]).Take(topCount).ToHashSet();

        var keywords = new List<Keyword>();
        // A phrase counts when it recurs; its score is the mean of its words' scaled by √length, so a phrase beats
        // its single words but a long phrase does not win by length alone.
        foreach (var (words, spellings) in Phrases(tokenized, graph.Ids, topWords, cancellationToken))
        {
            var count = spellings.Values.Sum();
            if (count >= 2)
            {
                keywords.Add(new Keyword(PreferredSurface(spellings), words.Average(w => scores[w]) * Math.Sqrt(words.Count), count));
            }
        }
        foreach (var word in topWords)
        {
            keywords.Add(new Keyword(PreferredSurface(graph.Surfaces[word]), scores[word], graph.Surfaces[word].Values.Sum()));
        }
        return Choose(keywords, maxKeywords);
    }

    /// <summary>The content words (by stem key, with the spellings seen) and their co-occurrence counts within the window.</summary>
    private sealed record Graph(Dictionary<string, int> Ids, List<Dictionary<string, int>> Surfaces, Dictionary<(int A, int B), double> Edges)
    {
        public static Graph Build(List<IReadOnlyList<Word>> tokenized, CancellationToken cancellationToken)
        {
            var graph = new Graph(new(StringComparer.Ordinal), [], []);
            foreach (var words in tokenized)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var candidates = new List<int>();
                foreach (var word in words.Where(IsCandidate))
                {
                    if (!graph.Ids.TryGetValue(word.Key, out var id))
                    {
                        graph.Ids[word.Key] = id = graph.Ids.Count;
                        graph.Surfaces.Add(new Dictionary<string, int>(StringComparer.Ordinal));
                    }
                    graph.Surfaces[id][word.Surface] = graph.Surfaces[id].GetValueOrDefault(word.Surface) + 1;
                    candidates.Add(id);
                }
                for (var i = 0; i < candidates.Count; i++)
                {
                    for (var j = i + 1; j < Math.Min(candidates.Count, i + Window); j++)
                    {
                        if (candidates[i] != candidates[j])
                        {
                            var key = (Math.Min(candidates[i], candidates[j]), Math.Max(candidates[i], candidates[j]));
                            graph.Edges[key] = graph.Edges.GetValueOrDefault(key) + 1;
                        }
                    }
                }
            }
            return graph;
        }
    }

    /// <summary>Runs of adjacent top words (no stop word between them) are phrase candidates, keyed by their stems.</summary>
    private static IEnumerable<(List<int> Words, Dictionary<string, int> Spellings)> Phrases(
        List<IReadOnlyList<Word>> tokenized, Dictionary<string, int> ids, HashSet<int> topWords, CancellationToken cancellationToken)
    {
        var phrases = new Dictionary<string, (List<int> Words, Dictionary<string, int> Spellings)>(StringComparer.Ordinal);
        foreach (var words in tokenized)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var run = new List<Word>();
            foreach (var word in words.Append(default))
            {
                var isTop = word.Key is not null && IsCandidate(word) && topWords.Contains(ids[word.Key]);
                if (isTop && run.Count < MaxPhraseWords)
                {
                    run.Add(word);
                    continue;
                }
                if (run.Count > 1)
                {
                    var key = string.Join(' ', run.Select(w => w.Key));
                    if (!phrases.TryGetValue(key, out var phrase))
                    {
                        phrases[key] = phrase = (run.Select(w => ids[w.Key]).ToList(), new Dictionary<string, int>(StringComparer.Ordinal));
                    }
                    var spelling = string.Join(' ', run.Select(w => w.Surface));
                    phrase.Spellings[spelling] = phrase.Spellings.GetValueOrDefault(spelling) + 1;
                }
                run.Clear();
                if (isTop)
                {
                    run.Add(word);
                }
            }
        }
        return phrases.Values;
    }

    /// <summary>The best <paramref name="maxKeywords"/>, dropping a word already covered by a better-ranked phrase and a phrase that repeats a better one.</summary>
    private static List<Keyword> Choose(List<Keyword> keywords, int maxKeywords)
    {
        var chosen = new List<Keyword>();
        foreach (var keyword in keywords.OrderByDescending(k => k.Score).ThenBy(k => k.Text, StringComparer.Ordinal))
        {
            var parts = keyword.Text.Split(' ');
            if (chosen.Any(c => c.Text.Split(' ').Intersect(parts, StringComparer.OrdinalIgnoreCase).Count() == parts.Length))
            {
                continue;
            }
            chosen.Add(keyword);
            if (chosen.Count == maxKeywords)
            {
                break;
            }
        }
        return chosen;
    }

    /// <summary>Content words of two letters or more that are not only digits.</summary>
    private static bool IsCandidate(Word word) => !word.IsStopWord && word.Key.Length >= 2 && word.Key.Any(char.IsLetter);

    /// <summary>
    /// The lower-case spelling when the word is ever written that way ("Reefs" at a sentence start is "reefs"),
    /// otherwise its most frequent spelling, which keeps names and acronyms ("Paris", "NASA").
    /// </summary>
    private static string PreferredSurface(Dictionary<string, int> spellings)
    {
        var lower = spellings.Where(kv => kv.Key.All(c => !char.IsUpper(c))).ToList();
        var pool = lower.Count > 0 ? lower : spellings.ToList();
        return pool.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key;
    }
}
