using System.Text.RegularExpressions;

namespace Platform.Api.Formats.Text;

/// <summary>
/// The `outline` format: the document's heading tree. Markdown headings are used as written; plain text without
/// headings gets its structure inferred from heading-like lines (short, unpunctuated, numbered "2.1 Scope" or
/// followed by a colon); text with no such lines is outlined by its paragraphs' lead sentences.
/// </summary>
public static partial class OutlineBuilder
{
    public sealed record OutlineItem(int Level, string Title, IReadOnlyList<OutlineItem> Children);

    public sealed record Outline(OutlineSource Source, IReadOnlyList<OutlineItem> Items);

    public enum OutlineSource { Headings, InferredHeadings, Paragraphs }

    private const int MaxHeadingLength = 90;
    private const int MaxLeadLength = 120;

    /// <summary>Linear in the document's blocks; the token is observed between blocks.</summary>
    public static Outline Build(TextDocument document, int maxDepth, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepth, 1);
        var headings = document.Headings.Select(h => (h.HeadingLevel, h.Text)).ToList();
        if (headings.Count > 0)
        {
            return new Outline(OutlineSource.Headings, Nest(headings, maxDepth));
        }
        var inferred = InferHeadings(document.Blocks, cancellationToken);
        if (inferred.Count > 0)
        {
            return new Outline(OutlineSource.InferredHeadings, Nest(inferred, maxDepth));
        }
        var leads = document.Paragraphs
            .Select(p => { cancellationToken.ThrowIfCancellationRequested(); return SentenceSplitter.Split(p.Text).FirstOrDefault() ?? p.Text; })
            .Select(lead => (1, Shorten(lead)))
            .ToList();
        return new Outline(OutlineSource.Paragraphs, Nest(leads, maxDepth));
    }

    /// <summary>Renders the outline as a nested Markdown list, one item per heading.</summary>
    public static string ToMarkdown(Outline outline)
    {
        var lines = new List<string>();
        Write(outline.Items, 0);
        return string.Join('\n', lines) + (lines.Count > 0 ? "\n" : "");

        void Write(IReadOnlyList<OutlineItem> items, int depth)
        {
            foreach (var item in items)
            {
                lines.Add($"{new string(' ', depth * 2)}- {item.Title}");
                Write(item.Children, depth + 1);
            }
        }
    }

    /// <summary>
    /// Turns a flat list of (level, title) into a tree. Levels are relative: a document whose first heading is
    /// "###" still starts at the root, and a jump from level 1 to 3 nests one step, not two.
    /// </summary>
    private static IReadOnlyList<OutlineItem> Nest(IReadOnlyList<(int Level, string Title)> headings, int maxDepth)
    {
        var root = new List<OutlineItem>();
        // Stack of open items: their source level, depth in the tree and mutable child list.
        var open = new Stack<(int Level, int Depth, List<OutlineItem> Children)>();
        foreach (var (level, title) in headings)
        {
            while (open.Count > 0 && open.Peek().Level >= level)
            {
                open.Pop();
            }
            var depth = open.Count == 0 ? 1 : open.Peek().Depth + 1;
            if (depth > maxDepth)
            {
                continue;
            }
            var children = new List<OutlineItem>();
            var item = new OutlineItem(depth, title, children);
            (open.Count == 0 ? root : open.Peek().Children).Add(item);
            open.Push((level, depth, children));
        }
        return root;
    }

    private static List<(int Level, string Title)> InferHeadings(IReadOnlyList<TextBlock> blocks, CancellationToken cancellationToken)
    {
        var headings = new List<(int, string)>();
        for (var i = 0; i < blocks.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var text = blocks[i].Text;
            var followedByText = i + 1 < blocks.Count;
            var numbered = NumberedHeading().Match(text);
            if (numbered.Success && text.Length <= MaxHeadingLength && !EndsLikeSentence(text) && followedByText)
            {
                // "2.1 Scope" is one level below "2 Background".
                var level = numbered.Groups["number"].Value.TrimEnd('.').Split('.').Length;
                headings.Add((level, text));
            }
            else if (text.Length <= MaxHeadingLength && followedByText && LooksLikeHeading(text))
            {
                headings.Add((1, text.TrimEnd(':')));
            }
        }
        // One heading-like line does not make a structure; it is more likely a short sentence.
        return headings.Count >= 2 ? headings : [];
    }

    private static bool LooksLikeHeading(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length > 10 || !char.IsLetterOrDigit(text[0]))
        {
            return false;
        }
        if (text.EndsWith(':'))
        {
            return true;
        }
        return !EndsLikeSentence(text) && !text.Contains(", ", StringComparison.Ordinal) && char.IsUpper(text[0]);
    }

    private static bool EndsLikeSentence(string text) => text[^1] is '.' or '!' or '?' or ',' or ';' or '…' or '"' or '”';

    private static string Shorten(string text)
    {
        if (text.Length <= MaxLeadLength)
        {
            return text;
        }
        var cut = text.LastIndexOf(' ', MaxLeadLength - 1);
        return text[..(cut > 0 ? cut : MaxLeadLength)].TrimEnd() + "…";
    }

    [GeneratedRegex(@"^(?<number>(\d+\.)*\d+\.?|[IVXLC]+\.)\s+\p{L}")]
    private static partial Regex NumberedHeading();
}
