using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Api.Formats;

namespace Platform.Api.Apis;

public static class FormatsApi
{
    /// <param name="Needs">Any of "text", "capture", "model"; empty when the format needs no input.</param>
    /// <param name="Default">Pre-selected in the format picker.</param>
    public sealed record FormatView(string Name, string Description, IReadOnlyList<string> Needs, bool Default, string ContentType, int? MaxInputChars);

    public static RouteGroupBuilder MapFormatsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/formats").WithTags("Formats");
        api.MapGet("/", List).WithName("ListFormats").WithSummary("The format registry: every format this instance can produce");
        return api;
    }

    public static Ok<IReadOnlyList<FormatView>> List(FormatRegistry registry) =>
        TypedResults.Ok<IReadOnlyList<FormatView>>([.. registry.All.Select(f => new FormatView(
            f.Name, f.Description,
            [.. Enum.GetValues<FormatNeeds>().Where(n => n != FormatNeeds.None && f.Needs.HasFlag(n)).Select(n => n.ToString().ToLowerInvariant())],
            f.IsDefault, f.ContentType, f.MaxInputChars))]);
}
