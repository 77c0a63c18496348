using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Platform.Api.Formats.Model;

/// <summary><c>llm-questions</c>: the open questions and loose ends a text leaves, as a list to follow up on.</summary>
public sealed class LlmQuestionsFormat(ModelEndpoint endpoint, IOptions<ModelOptions> options) : ModelFormat(endpoint, options)
{
    public override FormatDescriptor Descriptor { get; } = new(
        "llm-questions", "Open questions and loose ends the text leaves, by the language model (streams)", FormatNeeds.Text | FormatNeeds.Model,
        IsDefault: false, ContentType);

    protected override string Instruction(JsonElement? formatOptions, ICollection<string> errors) =>
        "List the open questions the text raises but does not answer: undecided points, missing information, risks nobody " +
        "owns, assumptions to check. One Markdown bullet per question, phrased as a question. If there are none, answer " +
        "exactly \"No open questions.\"";
}
