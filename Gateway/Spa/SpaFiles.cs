using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Platform.Gateway.Spa;

/// <summary>Everything outside /api and /hubs: the built SPA, with client-side routes (/jobs/123) falling back to index.html.</summary>
internal static class SpaFiles
{
    public static WebApplication MapSpa(this WebApplication app)
    {
        var root = app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.StaticFilesRoot;
        var index = root is null ? null : Path.Combine(root, "index.html");
        if (index is null || !File.Exists(index))
        {
            var missing = index ?? "web-spa/dist/index.html (no Platform.sln above the gateway; set Gateway__StaticFilesRoot)";
            app.Logger.LogWarning("{Index} not found; the gateway answers 503 for the web app until it is built", missing);
            var message =
                $"The web app is not built: {missing} is missing.\n" +
                "Build it with `npm ci && npm run build` in web-spa/ (./run does this), then restart the gateway.\n";
            app.MapFallback(context =>
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.ContentType = "text/plain; charset=utf-8";
                return context.Response.WriteAsync(message);
            });
            return app;
        }

        var files = new StaticFileOptions { FileProvider = new PhysicalFileProvider(Path.GetFullPath(root!)), OnPrepareResponse = SetCaching };
        app.UseStaticFiles(files);
        // Paths without a file extension that no other endpoint claims are client-side routes.
        app.MapFallbackToFile("index.html", files);
        return app;
    }

    /// <summary>web-spa/dist of the repository (the folder holding Platform.sln) above the content root or the binaries.</summary>
    public static string? DefaultRoot(string contentRoot) =>
        new[] { contentRoot, AppContext.BaseDirectory }.Select(RepositoryRoot).FirstOrDefault(r => r is not null) is { } repository
            ? Path.Combine(repository, "web-spa", "dist")
            : null;

    private static string? RepositoryRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
            {
                return directory.FullName;
            }
        }
        return null;
    }

    private static void SetCaching(StaticFileResponseContext context)
    {
        // Vite fingerprints everything under assets/; index.html must be revalidated so a new build is picked up.
        context.Context.Response.Headers[HeaderNames.CacheControl] = context.Context.Request.Path.StartsWithSegments("/assets")
            ? "public, max-age=31536000, immutable"
            : "no-cache";
    }
}
