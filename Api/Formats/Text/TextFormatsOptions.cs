using System.ComponentModel.DataAnnotations;

namespace Platform.Api.Formats.Text;

/// <summary>Configuration section "TextFormats": defaults and ceilings of the offline text formats.</summary>
public sealed class TextFormatsOptions
{
    public const string Section = "TextFormats";

    /// <summary>Longest input the text formats read; longer captured text is cut at this length (TextRank is quadratic in the worst case).</summary>
    [Range(1_000, 2_000_000)]
    public int MaxInputChars { get; set; } = 300_000;

    /// <summary>
    /// Most sentences the summary ranks (the first ones of the text): sentence pairs are counted in a triangular array, so
    /// memory is bounded by n²/2 counters (2 MB at 1,000) however many sentences share a word.
    /// </summary>
    [Range(10, 5_000)]
    public int MaxRankedSentences { get; set; } = 1_000;

    /// <summary>CPU time one offline format may take on one text; beyond it the task fails permanently (retrying cannot help).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan MaxComputeTime { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Sentences in a summary when the job does not say (<c>options.summary.sentences</c>).</summary>
    [Range(1, 200)]
    public int SummarySentences { get; set; } = 5;

    [Range(1, 200)]
    public int MaxSummarySentences { get; set; } = 50;

    /// <summary>Keywords returned when the job does not say (<c>options.keywords.count</c>).</summary>
    [Range(1, 200)]
    public int Keywords { get; set; } = 10;

    [Range(1, 200)]
    public int MaxKeywords { get; set; } = 50;

    /// <summary>Heading levels kept in an outline when the job does not say (<c>options.outline.depth</c>).</summary>
    [Range(1, 6)]
    public int OutlineDepth { get; set; } = 6;
}
