using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Platform.Api.Formats.Text;

/// <summary>
/// <c>outline</c>: the heading tree as a nested Markdown list — Markdown headings as written, inferred headings for
/// plain text, paragraph leads when the text has no structure at all. Options: <c>{"outline": {"depth": 3}}</c>.
/// </summary>
public sealed class OutlineFormat(IOptions<TextFormatsOptions> options, TextFormatMetrics metrics) : TextFormat(options, metrics)
{
    public const string Name = "outline";

    public override FormatDescriptor Descriptor { get; } = new(
        Name, "Outline: the headings and structure of the text as a nested list (offline)", FormatNeeds.Text, IsDefault: false,
        ContentType: "text/markdown; charset=utf-8", MaxInputChars: null);

    protected override Func<TextDocument, CancellationToken, FormatOutput> Prepare(JsonElement? formatOptions, ICollection<string> errors)
    {
        var depth = FormatOptionValues.GetInt(formatOptions, "depth", Settings.OutlineDepth, 1, 6, errors);
        return (document, ct) => FormatOutput.Utf8(OutlineBuilder.ToMarkdown(OutlineBuilder.Build(document, depth, ct)), Descriptor.ContentType);
    }
}
