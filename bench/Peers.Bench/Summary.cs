namespace Platform.Peers.Bench;

/// <summary>The one table of the run (Platform, the peer, the ratio, the issue's aim) and its charts.</summary>
internal static class Summary
{
    private static readonly string[] CaptureSubjects = [CaptureBench.Platform, CaptureBench.WarmPool, CaptureBench.WarmPoolScraperFlags, CaptureBench.BrowserPerCapture];

    public static void Print(Results r, bool quick, int pages, string loadAtStart, string loadAtEnd, DateTime startedAt)
    {
        Console.WriteLine();
        Console.WriteLine($"Summary{(quick ? " (--quick: a smoke run, not figures to quote)" : "")}: {startedAt:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, " +
                          $"load average {loadAtStart} at start, {loadAtEnd} at end; {pages} pages per capture run");
        Console.WriteLine();
        Console.WriteLine("| comparison | Platform | peer | peer value | ratio Platform/peer | aim |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var c in new[] { 1, 4 })
        {
            foreach (var peer in new[] { CaptureBench.WarmPool, CaptureBench.WarmPoolScraperFlags, CaptureBench.BrowserPerCapture })
            {
                Line(r, "capture", $"pages/min c{c}", peer, "pages/min", c == 4 && peer == CaptureBench.WarmPool ? ("≥ 1.00", ratio => ratio >= 1.0) : null);
                Line(r, "capture", $"p50 c{c}", peer, "ms", c == 1 && peer == CaptureBench.WarmPool ? ("≤ 1.30", ratio => ratio <= 1.3) : null);
                Line(r, "capture", $"p95 c{c}", peer, "ms", null);
            }
        }
        Line(r, "jobs", "no-op throughput", JobsBench.Hangfire, "jobs/s", ("≥ 1.00", ratio => ratio >= 1.0));
        Line(r, "jobs", "submit→start p50 idle", JobsBench.Hangfire, "ms", null);
        Line(r, "jobs", "submit→start p99 idle", JobsBench.Hangfire, "ms", null);
        Line(r, "jobs", "submit→start p50 loaded", JobsBench.Hangfire, "ms", null);
        Line(r, "jobs", "submit→start p99 loaded", JobsBench.Hangfire, "ms", null);
        foreach (var mode in new[] { "uncontended", "contended" })
        {
            Line(r, "semaphore", $"acquire p50 {mode}", SemaphoreBench.DistributedLock, "ms", null);
            Line(r, "semaphore", $"acquire p99 {mode}", SemaphoreBench.DistributedLock, "ms", null);
            Line(r, "semaphore", $"cycles/s {mode}", SemaphoreBench.DistributedLock, "cycles/s", null);
        }
        var idleP50 = r.Get("jobs", "submit→start p50 idle", JobsBench.Platform);
        if (!double.IsNaN(idleP50))
        {
            Console.WriteLine($"| submit→start p50 idle, absolute | {idleP50:0.0} ms | | | | < 10 ms: {(idleP50 < 10 ? "met" : "missed")} |");
        }
    }

    private static void Line(Results r, string section, string metric, string peer, string unit, (string Text, Func<double, bool> Met)? aim)
    {
        var platform = r.Get(section, metric, "platform");
        var other = r.Get(section, metric, peer);
        if (double.IsNaN(platform))
        {
            return; // that part was not run (--only)
        }
        var ratio = platform / other;
        var verdict = aim is { } a ? $"{a.Text}: {(a.Met(ratio) ? "met" : "missed")}" : "";
        Console.WriteLine($"| {section} {metric} | {platform:0.00} {unit} | {peer} | {other:0.00} {unit} | {ratio:0.00}× | {verdict} |");
    }

    public static void WriteCharts(Results r, string outDir)
    {
        string[] concurrencies = ["c1", "c4"];
        Charts.GroupedBars(Path.Combine(outDir, "capture-throughput.svg"), "Captures per minute (higher is better)", "pages/min",
            concurrencies, CaptureSubjects, (g, s) => r.Get("capture", $"pages/min {g}", s));
        Charts.GroupedBars(Path.Combine(outDir, "capture-latency.svg"), "Per-page latency p50 and p95 (lower is better)", "ms",
            ["p50 c1", "p95 c1", "p50 c4", "p95 c4"], CaptureSubjects, (g, s) => r.Get("capture", g, s), "0");
        string[] engines = [JobsBench.Platform, JobsBench.Hangfire];
        Charts.GroupedBars(Path.Combine(outDir, "jobs-throughput.svg"), "No-op jobs per second (higher is better)", "jobs/s",
            ["no-op throughput"], engines, (g, s) => r.Get("jobs", g, s));
        Charts.GroupedBars(Path.Combine(outDir, "jobs-start-latency.svg"), "Submit→start latency (lower is better)", "ms",
            ["p50 idle", "p99 idle", "p50 loaded", "p99 loaded"], engines, (g, s) => r.Get("jobs", $"submit→start {g}", s));
        Charts.GroupedBars(Path.Combine(outDir, "semaphore-latency.svg"), "Semaphore acquire latency (lower is better)", "ms",
            ["p50 uncontended", "p99 uncontended", "p50 contended", "p99 contended"], [SemaphoreBench.Platform, SemaphoreBench.DistributedLock],
            (g, s) => r.Get("semaphore", $"acquire {g}", s), "0.00");
    }
}
