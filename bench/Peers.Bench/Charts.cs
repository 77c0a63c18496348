using ScottPlot;

namespace Platform.Peers.Bench;

/// <summary>Grouped bar charts (SVG, ScottPlot) of one run's figures, for docs/benchmarks.md.</summary>
internal static class Charts
{
    /// <summary>One chart: for each group (x tick) one bar per subject, with the value printed above it.</summary>
    public static void GroupedBars(string path, string title, string yLabel, IReadOnlyList<string> groups, IReadOnlyList<string> subjects,
        Func<string, string, double> value, string format = "0.0")
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        var width = 0.8 / subjects.Count;
        for (var g = 0; g < groups.Count; g++)
        {
            for (var s = 0; s < subjects.Count; s++)
            {
                var v = value(groups[g], subjects[s]);
                if (double.IsNaN(v))
                {
                    continue;
                }
                bars.Add(new Bar
                {
                    Position = g + (s - (subjects.Count - 1) / 2.0) * width,
                    Value = v,
                    Size = width * 0.9,
                    FillColor = palette.GetColor(s),
                    Label = v.ToString(format, System.Globalization.CultureInfo.InvariantCulture),
                });
            }
        }
        var series = plot.Add.Bars(bars);
        series.ValueLabelStyle.FontSize = 11;
        for (var s = 0; s < subjects.Count; s++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = subjects[s], FillColor = palette.GetColor(s) });
        }
        plot.Legend.Alignment = Alignment.UpperRight;
        plot.ShowLegend();
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, groups.Count).Select(g => (double)g)], [.. groups]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0, top: 0.25);
        plot.Title(title);
        plot.YLabel(yLabel);
        plot.SaveSvg(path, 760, 380);
    }
}
