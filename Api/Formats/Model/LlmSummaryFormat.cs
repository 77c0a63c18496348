using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.Api.Formats.Text;

namespace Platform.Api.Formats.Model;

/// <summary><c>llm-summary</c>: a summary written by the model. Options: <c>{"llm-summary": {"maxWords": 150}}</c>.</summary>
public sealed class LlmSummaryFormat(ModelEndpoint endpoint, IOptions<ModelOptions> options) : ModelFormat(endpoint, options)
{
    public override FormatDescriptor Descriptor { get; } = new(
        "llm-summary", "Summary written by the language model (streams as it is written)", FormatNeeds.Text | FormatNeeds.Model,
        IsDefault: false, ContentType);

    protected override string Instruction(JsonElement? formatOptions, ICollection<string> errors)
    {
        var maxWords = FormatOptionValues.GetInt(formatOptions, "maxWords", 150, 20, 1000, errors);
        return $"Summarize the text in at most {maxWords} words. Keep its key facts, figures and conclusions; " +
               "use a short paragraph, followed by bullet points only if the text covers several distinct topics.";
    }
}
