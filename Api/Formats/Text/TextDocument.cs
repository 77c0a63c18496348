using System.Text;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Platform.Api.Formats.Text;

/// <summary>One block of a document as the text formats see it: a heading (level 1–6) or a paragraph of prose.</summary>
public sealed record TextBlock(int HeadingLevel, string Text)
{
    public bool IsHeading => HeadingLevel > 0;
}

/// <summary>
/// Markdown or plain text reduced to headings and prose paragraphs. Markdig parses both: plain text is
/// simply Markdown without markup, so one parser serves captured pages and pasted notes alike.
/// Code blocks, tables, HTML and link targets are left out because they are not sentences.
/// </summary>
public sealed partial class TextDocument
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().UseGridTables().Build();

    public IReadOnlyList<TextBlock> Blocks { get; }

    private TextDocument(IReadOnlyList<TextBlock> blocks) => Blocks = blocks;

    public IEnumerable<TextBlock> Headings => Blocks.Where(b => b.IsHeading);

    public IEnumerable<TextBlock> Paragraphs => Blocks.Where(b => !b.IsHeading);

    public static TextDocument Parse(string markdownOrText)
    {
        var blocks = new List<TextBlock>();
        MarkdownDocument document;
        try
        {
            document = Markdown.Parse(WithoutLinkTargets(markdownOrText ?? ""), Pipeline);
        }
        catch (ArgumentException)
        {
            // Markdig refuses input nested beyond its depth limit (thousands of ">" or "*"): such text is no sensible
            // Markdown, so it is read as plain text, paragraphs at blank lines.
            foreach (var paragraph in (markdownOrText ?? "").Split(["\n\n", "\r\n\r\n"], StringSplitOptions.RemoveEmptyEntries))
            {
                Add(blocks, 0, paragraph);
            }
            return new TextDocument(blocks);
        }
        Collect(document, blocks);
        return new TextDocument(blocks);
    }

    /// <summary>Walks the block tree with an explicit stack: nesting depth (a 20 000-deep blockquote) costs heap, never the thread's stack.</summary>
    private static void Collect(ContainerBlock root, List<TextBlock> blocks)
    {
        var pending = new Stack<IEnumerator<Block>>();
        pending.Push(((IEnumerable<Block>)root).GetEnumerator());
        while (pending.Count > 0)
        {
            var current = pending.Peek();
            if (!current.MoveNext())
            {
                pending.Pop().Dispose();
                continue;
            }
            switch (current.Current)
            {
                case Table or CodeBlock or HtmlBlock or ThematicBreakBlock:
                    break;
                case HeadingBlock heading:
                    Add(blocks, heading.Level, InlineText(heading.Inline));
                    break;
                case ParagraphBlock paragraph:
                    Add(blocks, 0, InlineText(paragraph.Inline));
                    break;
                case ContainerBlock nested:
                    pending.Push(((IEnumerable<Block>)nested).GetEnumerator());
                    break;
            }
        }
    }

    /// <summary>
    /// Link targets are not prose, and Markdig's search for a target's closing ")" is quadratic on input such as
    /// "[a](" repeated (35 s for 200k characters): images become a space, well-formed links become their text, and a "]("
    /// left over (no closing parenthesis within a line) loses its meaning — all in linear time before Markdig parses.
    /// </summary>
    private static string WithoutLinkTargets(string text) =>
        OrphanTarget().Replace(Link().Replace(Image().Replace(text, " "), "${text}"), "] (");

    [System.Text.RegularExpressions.GeneratedRegex(@"!\[[^\]\n]{0,1000}\]\([^)\n]{0,2048}\)")]
    private static partial System.Text.RegularExpressions.Regex Image();

    [System.Text.RegularExpressions.GeneratedRegex(@"\[(?<text>[^\[\]\n]{0,1000})\]\([^)\n]{0,2048}\)")]
    private static partial System.Text.RegularExpressions.Regex Link();

    [System.Text.RegularExpressions.GeneratedRegex(@"\]\(")]
    private static partial System.Text.RegularExpressions.Regex OrphanTarget();

    private static void Add(List<TextBlock> blocks, int level, string text)
    {
        text = Normalize(text);
        if (text.Length > 0)
        {
            blocks.Add(new TextBlock(level, text));
        }
    }

    /// <summary>The inline tree's text in document order, walked with an explicit stack (deeply nested emphasis or links cost heap, not stack).</summary>
    private static string InlineText(ContainerInline? root)
    {
        var text = new StringBuilder();
        var pending = new Stack<Inline>();
        if (root is not null)
        {
            pending.Push(root);
        }
        var children = new List<Inline>();
        while (pending.TryPop(out var inline))
        {
            switch (inline)
            {
                case HtmlInline:
                    break;
                case LiteralInline literal:
                    text.Append(literal.Content.AsSpan());
                    break;
                case CodeInline code:
                    text.Append(code.Content);
                    break;
                case LineBreakInline:
                    text.Append(' ');
                    break;
                case AutolinkInline autolink:
                    text.Append(autolink.Url);
                    break;
                case LinkInline { IsImage: true }:
                    // An image's alt text reads like a caption, not like part of the sentence around it.
                    text.Append(' ');
                    break;
                case ContainerInline container:
                    children.Clear();
                    for (var child = container.FirstChild; child is not null; child = child.NextSibling)
                    {
                        children.Add(child);
                    }
                    for (var i = children.Count - 1; i >= 0; i--)
                    {
                        pending.Push(children[i]);
                    }
                    break;
            }
        }
        return text.ToString();
    }

    private static string Normalize(string text)
    {
        var result = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                pendingSpace = result.Length > 0;
                continue;
            }
            if (pendingSpace)
            {
                result.Append(' ');
                pendingSpace = false;
            }
            result.Append(c);
        }
        return result.ToString();
    }
}
