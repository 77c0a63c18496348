using System.Globalization;

namespace Platform.Peers.Bench;

/// <summary>One figure of the run: which comparison, what was measured, on which subject (Platform or a peer), its value.</summary>
internal sealed record Row(string Section, string Metric, string Subject, double Value, string Unit);

/// <summary>Every figure of one run, in the order measured; written as CSV for the plots and the docs.</summary>
internal sealed class Results
{
    private readonly List<Row> _rows = [];

    public IReadOnlyList<Row> Rows => _rows;

    public void Add(string section, string metric, string subject, double value, string unit) =>
        _rows.Add(new Row(section, metric, subject, value, unit));

    public double Get(string section, string metric, string subject) =>
        _rows.LastOrDefault(r => r.Section == section && r.Metric == metric && r.Subject == subject)?.Value ?? double.NaN;

    public void WriteCsv(string path)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine("section,metric,subject,value,unit");
        foreach (var r in _rows)
        {
            writer.WriteLine(string.Join(',', r.Section, r.Metric, r.Subject, r.Value.ToString("0.###", CultureInfo.InvariantCulture), r.Unit));
        }
    }
}

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
