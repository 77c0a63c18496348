using Microsoft.Playwright;

namespace Platform.Scraper.Capture;

/// <summary>
/// Names what the <see cref="EgressProxy"/> refused during one capture, for its problem detail. Enforcement is the proxy's
/// alone: every connection Chromium opens (navigations, each redirect hop, subresources, WebSockets) goes through it,
/// loopback included, and is checked against the <see cref="AddressPolicy"/> at the address really connected to. This only
/// listens to the context's failed requests (Playwright's <c>requestfailed</c>): nothing is paused or intercepted. A
/// refused HTTPS hop or subresource fails in Chromium with a tunnel error and no headers, so its reason comes from the
/// proxy's record of recent refusals; a refused plain-HTTP navigation carries the proxy's <see cref="EgressProxy.BlockedHeader"/>.
/// (Intercepting every request through Playwright's route, as this class once did, cost ~20 % of Chromium's CPU per page
/// and ~40 ms of the Playwright driver's at 4 captures at once, for a check the proxy makes anyway: docs/benchmarks.md.)
/// </summary>
public sealed class RequestGuard(EgressProxy egress)
{
    private static readonly TimeSpan EventGrace = TimeSpan.FromMilliseconds(250);
    private readonly TaskCompletionSource _refused = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The first URL refused, with the reason: a navigation that failed because of it is a blocked-address problem.</summary>
    public (string Url, string Reason)? FirstBlocked { get; private set; }

    /// <summary>A refused main-frame navigation (the target itself or one of its redirect hops).</summary>
    public (string Url, string Reason)? BlockedNavigation { get; private set; }

    /// <summary>Listens to the context's failed requests and to its pages' main-frame navigations (call before any page opens).</summary>
    public void Attach(IBrowserContext context)
    {
        context.RequestFailed += (_, request) => OnFailed(request);
        context.Page += (_, page) => page.FrameNavigated += (_, frame) => OnNavigated(frame);
    }

    /// <summary>
    /// A navigation that failed on a tunnel error may have failed on a refused hop whose <c>requestfailed</c> event is still
    /// on its way to us: waits for it briefly (at most 250 ms), so the failure is named for what it was.
    /// </summary>
    public async Task SettleAsync(Exception e)
    {
        if (FirstBlocked is null && e is PlaywrightException && e.Message.Contains("ERR_TUNNEL_CONNECTION_FAILED", StringComparison.Ordinal))
        {
            await Task.WhenAny(_refused.Task, Task.Delay(EventGrace));
        }
    }

    /// <summary>A request the proxy refused over a tunnel (HTTPS, WebSocket): Chromium reports a connection failure.</summary>
    private void OnFailed(IRequest request) => Record(request.Url, () => request.IsNavigationRequest && request.Frame.ParentFrame is null);

    /// <summary>
    /// A main-frame navigation that committed to a target the proxy refuses — the page itself, a redirect hop, or a later
    /// navigation the page starts (meta refresh, script, form): what committed is the proxy's 403 page, not the target.
    /// </summary>
    private void OnNavigated(IFrame frame)
    {
        if (frame.ParentFrame is null)
        {
            Record(frame.Url, () => true);
        }
    }

    /// <summary>Runs on Playwright's event dispatch: never throws (a service worker's request has no frame to ask about).</summary>
    private void Record(string url, Func<bool> isMainFrameNavigation)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "ws" or "wss")
            || egress.RecentRefusal(uri.Host, uri.Port) is not { } reason)
        {
            return;
        }
        FirstBlocked ??= (url, reason);
        try
        {
            if (isMainFrameNavigation())
            {
                BlockedNavigation ??= (url, reason);
            }
        }
        catch (PlaywrightException)
        {
            // no frame: not a navigation
        }
        _refused.TrySetResult();
    }
}
