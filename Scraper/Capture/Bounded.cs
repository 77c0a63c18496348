namespace Platform.Scraper.Capture;

/// <summary>
/// Waits for a Playwright call, or for the capture to end (hard timeout, host lease lost, caller gone), whichever comes
/// first: a hung Chromium (stopped, wedged) answers neither the call nor the close, and the capture must still end at its
/// hard timeout and free its slots. A call given up on is left to finish (or fail) when Chromium answers, if ever; its
/// failure is observed here.
/// </summary>
internal static class Bounded
{
    public static async Task<T> Call<T>(Task<T> call, CancellationToken ct)
    {
        await Call((Task)call, ct);
        return await call;
    }

    public static async Task Call(Task call, CancellationToken ct)
    {
        try
        {
            await call.WaitAsync(ct);
        }
        catch (OperationCanceledException) when (!call.IsCompleted)
        {
            _ = call.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
    }
}
