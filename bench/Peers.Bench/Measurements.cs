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
