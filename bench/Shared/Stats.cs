namespace Platform.Bench;

/// <summary>Percentiles, timings, the load average and bounded fan-out, shared by the benchmarks (linked into each).</summary>
internal static class Stats
{
    /// <summary>Nearest-rank percentile of an ascending list; NaN when empty.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static List<double> Sorted(IEnumerable<double> values) => [.. values.Order()];

    public static double Milliseconds(long fromTimestamp, long toTimestamp) =>
        (toTimestamp - fromTimestamp) * 1000.0 / System.Diagnostics.Stopwatch.Frequency;

    /// <summary>The 1, 5 and 15 minute load averages from /proc/loadavg.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>Runs <paramref name="body"/> on <paramref name="items"/> with at most <paramref name="parallelism"/> at once; results in completion order.</summary>
    public static async Task<List<TResult>> ForEachAsync<T, TResult>(IEnumerable<T> items, int parallelism, Func<T, Task<TResult>> body)
    {
        var results = new List<TResult>();
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (item, _) =>
        {
            var result = await body(item);
            lock (results)
            {
                results.Add(result);
            }
        });
        return results;
    }
}
