using System.ComponentModel.DataAnnotations;

namespace Platform.Api.Formats.Text;

/// <summary>Configuration section "TextFormats": defaults and ceilings of the offline text formats.</summary>
public sealed class TextFormatsOptions
{
    public const string SectionName = "TextFormats";

    /// <summary>Longest input the text formats read; longer captured text is cut at this length (TextRank is quadratic in the worst case).</summary>
    [Range(1_000, 2_000_000)]
    public int MaxInputChars { get; set; } = 300_000;

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
