using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Platform.Scraper.Capture;

/// <summary>
/// Intercepts every request of one capture's BrowserContext (navigation, each redirect hop, subresources, WebSockets) and
/// aborts those the <see cref="AddressPolicy"/> refuses. Decisions are cached per host for the capture's lifetime.
/// Chromium resolves names again itself, so a DNS answer that changes between our check and its connect is not covered.
/// </summary>
public sealed class RequestGuard(AddressPolicy policy, ILogger logger)
{
    private readonly ConcurrentDictionary<string, Task<string?>> _decisions = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The first URL refused, with the reason: a navigation that failed because of it is a blocked-address problem.</summary>
    public (string Url, string Reason)? FirstBlocked { get; private set; }

    /// <summary>A refused main-frame navigation (the target itself or one of its redirect hops).</summary>
    public (string Url, string Reason)? BlockedNavigation { get; private set; }

    public async Task AttachAsync(IBrowserContext context)
    {
        await context.RouteAsync("**/*", HandleAsync);
        await context.RouteWebSocketAsync("**/*", route => _ = HandleWebSocketAsync(route));
    }

    private async Task HandleAsync(IRoute route)
    {
        var url = route.Request.Url;
        var reason = await CheckAsync(url);
        if (reason is not null && route.Request.IsNavigationRequest && route.Request.Frame.ParentFrame is null)
        {
            BlockedNavigation ??= (url, reason);
        }
        try
        {
            if (reason is null)
            {
                await route.ContinueAsync();
            }
            else
            {
                await route.AbortAsync("blockedbyclient");
            }
        }
        catch (PlaywrightException)
        {
            // The page or context closed while the request was paused; nothing left to decide.
        }
    }

    private async Task HandleWebSocketAsync(IWebSocketRoute route)
    {
        try
        {
            if (await CheckAsync(route.Url) is null)
            {
                route.ConnectToServer();
            }
            else
            {
                await route.CloseAsync();
            }
        }
        catch (PlaywrightException)
        {
            // The context closed first.
        }
    }

    private async Task<string?> CheckAsync(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return Block(url, "not an absolute URL");
        }
        // data: and blob: carry their content with them; nothing is fetched from the network.
        if (uri.Scheme is "data" or "blob" or "about")
        {
            return null;
        }
        var scheme = uri.Scheme == "wss" ? "https" : uri.Scheme == "ws" ? "http" : uri.Scheme;
        var key = $"{scheme}://{uri.IdnHost}:{uri.Port}"; // the port is part of the decision
        var reason = await _decisions.GetOrAdd(key, _ => policy.CheckAsync(new Uri($"{scheme}://{uri.Authority}/"), CancellationToken.None));
        return reason is null ? null : Block(url, reason);
    }

    private string Block(string url, string reason)
    {
        FirstBlocked ??= (url, reason);
        logger.LogInformation("Blocked request to {Url}: {Reason}", url, reason);
        return reason;
    }
}
