namespace Platform.Api.Formats.Text;

/// <summary>
/// TextRank (Mihalcea &amp; Tarau, 2004): weighted PageRank over an undirected graph of text units — sentences for
/// the summary, words for keywords. Hand-written because no maintained .NET package does it (docs/dependencies.md).
/// </summary>
public static class TextRank
{
    public const double Damping = 0.85;
    private const double Tolerance = 1e-6;
    private const int MaxIterations = 200;

    /// <summary>
    /// Scores the nodes 0..nodeCount-1 of an undirected graph given as symmetric weighted edges (each pair once).
    /// Scores sum to 1; a node without edges keeps only the random-jump share.
    /// </summary>
    public static double[] Rank(int nodeCount, IReadOnlyDictionary<(int A, int B), double> edges, CancellationToken cancellationToken = default)
    {
        if (nodeCount == 0)
        {
            return [];
        }
        var neighbours = new List<(int Node, double Weight)>[nodeCount];
        var outWeight = new double[nodeCount];
        for (var i = 0; i < nodeCount; i++)
        {
            neighbours[i] = [];
        }
        foreach (var ((a, b), weight) in edges)
        {
            if (weight <= 0 || a == b)
            {
                continue;
            }
            neighbours[a].Add((b, weight));
            neighbours[b].Add((a, weight));
            outWeight[a] += weight;
            outWeight[b] += weight;
        }

        var scores = new double[nodeCount];
        var next = new double[nodeCount];
        Array.Fill(scores, 1.0 / nodeCount);
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Rank held by nodes without edges is spread evenly, so the scores stay a distribution.
            var dangling = 0.0;
            for (var i = 0; i < nodeCount; i++)
            {
                if (outWeight[i] == 0)
                {
                    dangling += scores[i];
                }
            }
            var baseline = (1 - Damping) / nodeCount + Damping * dangling / nodeCount;
            var delta = 0.0;
            for (var i = 0; i < nodeCount; i++)
            {
                var incoming = 0.0;
                foreach (var (j, weight) in neighbours[i])
                {
                    incoming += weight / outWeight[j] * scores[j];
                }
                next[i] = baseline + Damping * incoming;
                delta += Math.Abs(next[i] - scores[i]);
            }
            (scores, next) = (next, scores);
            if (delta < Tolerance)
            {
                break;
            }
        }
        return scores;
    }
}
