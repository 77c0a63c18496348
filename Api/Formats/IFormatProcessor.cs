namespace Platform.Api.Formats;

/// <summary>
/// Computes one format of a job from its input (pasted text, or the text a capture produced).
/// Implementations are discovered in the Api assembly and created through DI, so adding a format is adding a class.
/// </summary>
public interface IFormatProcessor
{
    /// <summary>What the registry (and GET /api/formats) says about this format.</summary>
    FormatDescriptor Descriptor { get; }

    /// <summary>False hides the format from the registry (e.g. model formats with no endpoint configured).</summary>
    bool IsEnabled => true;

    /// <summary>Problems with this format's own options (<c>options["&lt;format&gt;"]</c>), checked at submission so bad input is a 400.</summary>
    IReadOnlyList<string> ValidateOptions(System.Text.Json.JsonElement? formatOptions) => [];

    /// <summary>
    /// Produces the artifact. Throw <see cref="TransientFormatException"/> for failures worth retrying,
    /// <see cref="PermanentFormatException"/> (or any other exception) for failures that are not.
    /// The token fires when the job is cancelled or its lease is lost.
    /// </summary>
    Task<FormatOutput> ProcessAsync(FormatContext context, CancellationToken cancellationToken);
}
