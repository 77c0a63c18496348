namespace Platform.Api.Formats;

/// <summary>What a format needs before it can run. Text formats run on pasted text, or on the captured text of a URL job.</summary>
[Flags]
public enum FormatNeeds
{
    None = 0,
    Text = 1,
    Capture = 2,
    Model = 4,
}

/// <param name="Name">Wire name, lower-case kebab (e.g. "text-stats").</param>
/// <param name="Description">One line for the format picker.</param>
/// <param name="Needs">Inputs the format needs; Capture formats only apply to URL sources.</param>
/// <param name="IsDefault">Pre-selected in the SPA's format picker.</param>
/// <param name="ContentType">Content type of the artifact.</param>
/// <param name="MaxInputChars">Longest input text the format accepts (null: the submission limit only).</param>
public sealed record FormatDescriptor(
    string Name,
    string Description,
    FormatNeeds Needs,
    bool IsDefault,
    string ContentType,
    int? MaxInputChars = null)
{
    public bool NeedsCapture => Needs.HasFlag(FormatNeeds.Capture);
    public bool NeedsText => Needs.HasFlag(FormatNeeds.Text);
}

/// <summary>An artifact: the bytes of one task's result.</summary>
public sealed record FormatOutput(string ContentType, byte[] Bytes)
{
    public static FormatOutput Utf8(string text, string contentType = "text/plain; charset=utf-8") =>
        new(contentType, System.Text.Encoding.UTF8.GetBytes(text));
}
