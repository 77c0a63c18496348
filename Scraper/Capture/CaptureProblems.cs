using Platform.Scraper.Browser;
using Platform.Scraper.Contracts;

namespace Platform.Scraper.Capture;

/// <summary>What a capture's failure is called and whether the caller may try it again.</summary>
internal static class CaptureProblems
{
    /// <summary>Classifies an exception that ended a capture, most specific cause first.</summary>
    public static CaptureProblem Classify(Exception e, BrowserLease? lease, RequestGuard guard, bool hostLeaseLost, bool hardTimedOut)
    {
        if (lease?.BrowserLost == true)
        {
            return new CaptureProblem
            {
                Type = CaptureProblemTypes.BrowserCrashed, Title = "The browser went away during the capture.", Status = StatusCodes.Status503ServiceUnavailable,
                Detail = "Chromium crashed or was killed; it is being relaunched.", Transient = true,
            };
        }
        if (hostLeaseLost)
        {
            return new CaptureProblem
            {
                Type = CaptureProblemTypes.LeaseLost, Title = "The host politeness lease was lost.", Status = StatusCodes.Status503ServiceUnavailable, Transient = true,
            };
        }
        if ((guard.BlockedNavigation ?? guard.FirstBlocked) is { } blocked && e is Microsoft.Playwright.PlaywrightException)
        {
            return Blocked(blocked);
        }
        if (hardTimedOut || e is TimeoutException)
        {
            return new CaptureProblem
            {
                Type = CaptureProblemTypes.Timeout, Title = "The capture timed out.", Status = StatusCodes.Status504GatewayTimeout, Detail = FirstLine(e.Message), Transient = true,
            };
        }
        var message = e.Message;
        // Chromium network errors that will not change on retry; the rest (refused, reset, 5xx-like) may.
        var permanent = message.Contains("ERR_NAME_NOT_RESOLVED", StringComparison.Ordinal) || message.Contains("ERR_INVALID_URL", StringComparison.Ordinal)
            || message.Contains("ERR_UNSAFE_PORT", StringComparison.Ordinal) || message.Contains("Download is starting", StringComparison.Ordinal)
            || message.Contains("ERR_ABORTED", StringComparison.Ordinal) || message.Contains("ERR_INVALID_RESPONSE", StringComparison.Ordinal);
        return new CaptureProblem
        {
            Type = CaptureProblemTypes.NavigationFailed, Title = "The page could not be loaded.",
            Status = permanent ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status502BadGateway, Detail = FirstLine(message), Transient = !permanent,
        };
    }

    public static CaptureProblem Blocked((string Url, string Reason) blocked) => new()
    {
        Type = CaptureProblemTypes.BlockedAddress, Title = "The page led to an address that is not allowed.", Status = StatusCodes.Status422UnprocessableEntity,
        Detail = $"{blocked.Url}: {blocked.Reason}",
    };

    public static CaptureProblem TargetStatus(int status, string url) => new()
    {
        Type = CaptureProblemTypes.TargetStatus, Title = $"The target answered {status}.", Status = StatusCodes.Status502BadGateway,
        Detail = url, TargetStatus = status, Transient = status >= 500 || status == 429 || status == 408,
    };

    public static CaptureProblem OutputTooLarge(string detail) => new()
    {
        Type = CaptureProblemTypes.OutputTooLarge, Title = "The output is too large.", Status = StatusCodes.Status422UnprocessableEntity, Detail = detail,
    };

    public static CaptureProblem OutputFailed(string output, string detail) => new()
    {
        Type = CaptureProblemTypes.NavigationFailed, Title = $"The {output} output failed.", Status = StatusCodes.Status422UnprocessableEntity, Detail = detail,
    };

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
