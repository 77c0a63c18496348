using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Api.Live;

namespace Platform.Api.Apis;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>), which is also the SPA's contract: `dotnet build` writes it to
/// <c>web-spa/openapi/platform-api.json</c> (Microsoft.Extensions.ApiDescription.Server) and the SPA generates its
/// TypeScript types from that file, so a response type that changes here breaks the SPA's build.
/// </summary>
public static class ApiDocument
{
    /// <summary>True while `dotnet build` runs the app to write the document (the tool's entry assembly).</summary>
    public static bool IsBuildTimeRun => Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";

    public static void AddApiDocument(this IHostApplicationBuilder builder)
    {
        // Numbers are read as numbers only (no request body has a numeric field in a string), so the document says
        // "integer", not "integer or string", and the SPA's types are plain numbers.
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer<LiveContractTransformer>());
    }

    /// <summary>
    /// The build-time run needs the endpoints only: placeholder connection strings (nothing connects) and no background
    /// services, so the document is written on any machine without Redis or PostgreSQL.
    /// </summary>
    public static void KeepToEndpointsForBuildTimeRun(this IHostApplicationBuilder builder)
    {
        if (!IsBuildTimeRun)
        {
            return;
        }
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = "127.0.0.1:1,abortConnect=false",
            ["ConnectionStrings:platform"] = "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none",
        });
        builder.Services.RemoveAll<IHostedService>();
    }
}
