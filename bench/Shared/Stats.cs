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

    /// <summary>
    /// The order of <paramref name="count"/> modes in round <paramref name="round"/>: a row of a Williams design (a balanced
    /// Latin square). Over every <paramref name="count"/> rounds (2× when odd) each mode runs once in each place and
    /// follows each other mode exactly once, so what one mode leaves behind (a browser still exiting, the load it raised)
    /// falls on every other alike. Rows: 0, 1, n−1, 2, n−2, … each shifted by the round; odd n adds the reversed rows.
    /// </summary>
    public static int[] RoundOrder(int count, int round)
    {
        var first = new int[count];
        for (int i = 0, low = 0, high = count; i < count; i++)
        {
            first[i] = i % 2 == 0 ? low++ : --high;
        }
        var row = round % (count % 2 == 0 ? count : 2 * count);
        var order = first.Select(m => (m + row) % count).ToArray();
        return row >= count ? [.. order.Reverse()] : order;
    }

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
