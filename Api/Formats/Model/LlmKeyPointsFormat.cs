using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.Api.Formats.Text;

namespace Platform.Api.Formats.Model;

/// <summary><c>llm-key-points</c>: the text's main points as bullets. Options: <c>{"llm-key-points": {"count": 7}}</c>.</summary>
public sealed class LlmKeyPointsFormat(ModelEndpoint endpoint, IOptions<ModelOptions> options) : ModelFormat(endpoint, options)
{
    public override FormatDescriptor Descriptor { get; } = new(
        "llm-key-points", "Key points written by the language model, as bullets (streams)", FormatNeeds.Text | FormatNeeds.Model,
        IsDefault: false, ContentType);

    protected override string Instruction(JsonElement? formatOptions, ICollection<string> errors)
    {
        var count = FormatOptionValues.GetInt(formatOptions, "count", 7, 1, 30, errors);
        return $"List the text's {count} most important points (fewer if it has fewer), most important first, one Markdown " +
               "bullet each, one sentence per bullet, in your own words.";
    }
}
