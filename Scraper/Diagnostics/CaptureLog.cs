namespace Platform.Scraper.Diagnostics;

/// <summary>
/// The last captures' timelines (bounded ring buffer), served by GET /captures/stats so tests and operators can check,
/// across replicas, how many pages and how many captures of one host overlapped. Wall-clock Unix milliseconds.
/// </summary>
public sealed class CaptureLog
{
    public const int Capacity = 256;

    private readonly Lock _gate = new();
    private readonly Queue<CaptureTimeline> _entries = new();

    public void Add(CaptureTimeline entry)
    {
        lock (_gate)
        {
            if (_entries.Count == Capacity)
            {
                _entries.Dequeue();
            }
            _entries.Enqueue(entry);
        }
    }

    public IReadOnlyList<CaptureTimeline> Snapshot()
    {
        lock (_gate)
        {
            return [.. _entries];
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _entries.Clear();
        }
    }
}

/// <param name="HostSlotAt">When the host politeness slot was acquired.</param>
/// <param name="PageOpenedAt">When the Chromium page was created.</param>
/// <param name="PageClosedAt">When the page's context finished closing.</param>
/// <param name="HostReleasedAt">When the host slot was released (after the page closed).</param>
/// <param name="LoadedAt">When navigation and the requested wait were done (0 if the capture never got there).</param>
/// <param name="OutputsAt">When the last output was written (0 if the capture never got there).</param>
/// <param name="StreamEndedAt">When the response's last frame was written, before the page closed (0 if it never was).</param>
/// <param name="Url">The URL asked for: which capture this was (the log is served to the cluster's operators and tests only).</param>
public sealed record CaptureTimeline(
    string Host, string Outcome, long HostSlotAt, long PageOpenedAt, long PageClosedAt, long HostReleasedAt, int BrowserGeneration,
    long LoadedAt = 0, long OutputsAt = 0, long StreamEndedAt = 0, string? Url = null);
