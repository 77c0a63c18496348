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
public sealed class TextDocument
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().UseGridTables().Build();

    public IReadOnlyList<TextBlock> Blocks { get; }

    private TextDocument(IReadOnlyList<TextBlock> blocks) => Blocks = blocks;

    public IEnumerable<TextBlock> Headings => Blocks.Where(b => b.IsHeading);

    public IEnumerable<TextBlock> Paragraphs => Blocks.Where(b => !b.IsHeading);

    public static TextDocument Parse(string markdownOrText)
    {
        var blocks = new List<TextBlock>();
        var document = Markdown.Parse(markdownOrText ?? "", Pipeline);
        Collect(document, blocks);
        return new TextDocument(blocks);
    }

    private static void Collect(ContainerBlock container, List<TextBlock> blocks)
    {
        foreach (var block in container)
        {
            switch (block)
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
                    Collect(nested, blocks);
                    break;
            }
        }
    }

    private static void Add(List<TextBlock> blocks, int level, string text)
    {
        text = Normalize(text);
        if (text.Length > 0)
        {
            blocks.Add(new TextBlock(level, text));
        }
    }

    private static string InlineText(ContainerInline? inline)
    {
        var text = new StringBuilder();
        Append(inline, text);
        return text.ToString();
    }

    private static void Append(Inline? inline, StringBuilder text)
    {
        switch (inline)
        {
            case null:
            case HtmlInline:
                return;
            case LiteralInline literal:
                text.Append(literal.Content.AsSpan());
                return;
            case CodeInline code:
                text.Append(code.Content);
                return;
            case LineBreakInline:
                text.Append(' ');
                return;
            case AutolinkInline autolink:
                text.Append(autolink.Url);
                return;
            case LinkInline { IsImage: true }:
                // An image's alt text reads like a caption, not like part of the sentence around it.
                text.Append(' ');
                return;
            case ContainerInline container:
                foreach (var child in container)
                {
                    Append(child, text);
                }
                return;
        }
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
