using System.Text.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Platform.Api.Jobs;

namespace Platform.Api.Live;

/// <summary>
/// Puts the live wire in the OpenAPI document beside REST, so the SPA types both from one file: a job event is a union
/// over its <c>type</c> (<see cref="JobEventTypes.DataTypes"/>) with each type's data, the same for
/// <c>GET /api/jobs/{id}/events</c> and the hub's <c>jobEvent</c>; the hub's <c>userEvent</c> (<see cref="UserEvent"/>)
/// and <c>SubscribeJob</c> answer (<see cref="JobSubscription"/>) are added as components.
/// </summary>
internal sealed class LiveContractTransformer : IOpenApiDocumentTransformer
{
    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var schemas = document.Components?.Schemas ?? throw new InvalidOperationException("The document has no schemas.");
        var eventView = schemas[nameof(JobEventView)];
        schemas[nameof(JobEventView)] = await UnionAsync(document, context, eventView, JobEventTypes.DataTypes, cancellationToken);

        var userEvent = await context.GetOrCreateSchemaAsync(typeof(UserEvent), null, cancellationToken);
        schemas[nameof(UserEvent)] = await UnionAsync(document, context, userEvent, UserEventTypes.DataTypes, cancellationToken);

        // The answer carries one of the two (the other is left out, not null), so neither is required.
        schemas[nameof(JobSubscription)] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                [Json(nameof(JobSubscription.Events))] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchemaReference(nameof(JobEventView), document) },
                [Json(nameof(JobSubscription.Snapshot))] = new OpenApiSchemaReference(nameof(JobView), document),
            },
        };
    }

    private static string Json(string member) => JsonNamingPolicy.CamelCase.ConvertName(member);

    /// <summary><paramref name="message"/> once per type: <c>type</c> is that constant and <c>data</c> that type's schema.</summary>
    private static async Task<IOpenApiSchema> UnionAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context,
        IOpenApiSchema message, IReadOnlyList<(string Type, Type Data)> types, CancellationToken ct)
    {
        var union = new OpenApiSchema { OneOf = [] };
        foreach (var (type, dataType) in types)
        {
            document.AddComponent(dataType.Name, await context.GetOrCreateSchemaAsync(dataType, null, ct));
            var variant = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string>(message.Required ?? new HashSet<string>()) { "type", "data" },
                Properties = new Dictionary<string, IOpenApiSchema>(message.Properties ?? new Dictionary<string, IOpenApiSchema>())
                {
                    ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Const = type },
                    ["data"] = new OpenApiSchemaReference(dataType.Name, document),
                },
            };
            union.OneOf.Add(variant);
        }
        return union;
    }
}
