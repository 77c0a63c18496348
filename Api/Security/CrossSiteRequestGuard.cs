using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Platform.Api.Security;

/// <summary>Section "CrossSite": origins other than the Api's own public one that may send cookie-authenticated requests.</summary>
public sealed class CrossSiteOptions
{
    public const string Section = "CrossSite";

    /// <summary>Extra allowed origins, e.g. "https://platform.example.com" when the SPA is served from another name.</summary>
    public string[] AllowedOrigins { get; set; } = [];
}

/// <summary>
/// Refuses (403) a request a page on another origin made with the user's cookie: every state-changing request
/// (anything but GET, HEAD, OPTIONS) and every request to the hub (its WebSocket upgrade is a GET, and a WebSocket is not
/// bound by CORS). SameSite=Lax alone lets a same-site origin — another port on the host, a sibling subdomain — send the
/// cookie. A browser names the page's origin in <c>Origin</c> on all of these; it must be the public origin the request
/// came to (scheme and host as the trusted gateway forwarded them) or a configured one. Without <c>Origin</c>, a
/// <c>Sec-Fetch-Site</c> of same-site or cross-site is refused too; a request with neither is no browser's cross-site
/// request (curl, tests, server-to-server) and passes.
/// </summary>
public sealed class CrossSiteRequestGuard(RequestDelegate next, IOptionsMonitor<CrossSiteOptions> options, ILogger<CrossSiteRequestGuard> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (Guarded(http.Request) && Refusal(http.Request) is { } reason)
        {
            logger.LogInformation("Cross-site request refused: {Method} {Path} ({Reason})", http.Request.Method, http.Request.Path, reason);
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status403Forbidden,
                    Title = "Cross-site request refused",
                    Detail = "This request came from a page on another origin.",
                },
            });
            return;
        }
        await next(http);
    }

    private static bool Guarded(HttpRequest request) =>
        !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        || request.Path.StartsWithSegments("/hubs");

    private string? Refusal(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            return IsAllowedOrigin(request, origin) ? null : $"Origin {origin}";
        }
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        return site is "cross-site" or "same-site" ? $"Sec-Fetch-Site {site}" : null;
    }

    private bool IsAllowedOrigin(HttpRequest request, string origin)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || uri.Query.Length > 0)
        {
            return false; // "null" (sandboxed frames, data: URLs) and anything that is not a plain origin
        }
        return SameOrigin(uri, $"{request.Scheme}://{request.Host.Value}")
            || options.CurrentValue.AllowedOrigins.Any(allowed => SameOrigin(uri, allowed));
    }

    /// <summary>Scheme, host and port equal (default ports filled in, host case ignored).</summary>
    private static bool SameOrigin(Uri origin, string other) =>
        Uri.TryCreate(other, UriKind.Absolute, out var otherUri)
        && Uri.Compare(origin, otherUri, UriComponents.SchemeAndServer, UriFormat.SafeUnescaped, StringComparison.OrdinalIgnoreCase) == 0;
}
