using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Platform.Api.Formats.Model;

/// <summary><c>llm-tasks</c>: the action items hidden in notes or a brain dump, as a Markdown checklist.</summary>
public sealed class LlmTasksFormat(ModelEndpoint endpoint, IOptions<ModelOptions> options) : ModelFormat(endpoint, options)
{
    public override FormatDescriptor Descriptor { get; } = new(
        "llm-tasks", "Action items extracted by the language model, as a checklist (streams)", FormatNeeds.Text | FormatNeeds.Model,
        IsDefault: false, ContentType);

    protected override string Instruction(JsonElement? formatOptions, ICollection<string> errors) =>
        "Extract every action item from the text (notes, a brain dump, minutes). Write one Markdown checklist line per item, " +
        "\"- [ ] <what to do>\", starting with a verb, followed by \" — owner: <name>\" and \" — due: <date>\" only when the text " +
        "names them. Group items under short \"### \" headings when they fall into clearly separate areas. " +
        "If the text contains no action items, answer exactly \"No action items.\"";
}
