using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;
using Platform.AppHost.Orchestration;

namespace Platform.AppHost.Gateway;

/// <summary>Everything outside /api and /hubs: the built SPA, with client-side routes (/jobs/123) falling back to index.html.</summary>
internal static class SpaFiles
{
    public static void MapSpa(this WebApplication app, string root, ResourceLog log)
    {
        if (!File.Exists(Path.Combine(root, "index.html")))
        {
            log.Write($"warn: {Path.Combine(root, "index.html")} not found; the gateway answers 503 for the web app until it is built");
            var message =
                $"The web app is not built: {Path.Combine(root, "index.html")} is missing.\n" +
                "Build it with `npm ci && npm run build` in web-spa/ (./run does this), then restart AppHost.\n";
            app.MapFallback(context =>
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.ContentType = "text/plain; charset=utf-8";
                return context.Response.WriteAsync(message);
            });
            return;
        }

        var files = new StaticFileOptions { FileProvider = new PhysicalFileProvider(Path.GetFullPath(root)), OnPrepareResponse = SetCaching };
        app.UseStaticFiles(files);
        // Paths without a file extension that no other endpoint claims are client-side routes.
        app.MapFallbackToFile("index.html", files);
    }

    private static void SetCaching(StaticFileResponseContext context)
    {
        // Vite fingerprints everything under assets/; index.html must be revalidated so a new build is picked up.
        context.Context.Response.Headers[HeaderNames.CacheControl] = context.Context.Request.Path.StartsWithSegments("/assets")
            ? "public, max-age=31536000, immutable"
            : "no-cache";
    }
}
