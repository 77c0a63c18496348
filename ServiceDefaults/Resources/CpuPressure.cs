using System.Globalization;

namespace Platform.ServiceDefaults;

/// <summary>
/// CPU pressure (Linux PSI): the share of the last minute in which runnable tasks of this cgroup (v2 cpu.pressure) or,
/// without one, of the machine (/proc/pressure/cpu) waited for a CPU. Null where the kernel does not report it.
/// </summary>
public static class CpuPressure
{
    /// <summary>The "some avg60" value as a fraction (0–1).</summary>
    public static double? ReadShareOfLastMinute()
    {
        foreach (var path in Candidates())
        {
            if (ReadSomeAvg60(path) is { } share)
            {
                return share;
            }
        }
        return null;
    }

    private static IEnumerable<string> Candidates()
    {
        var v2Path = File.Exists("/proc/self/cgroup")
            ? File.ReadLines("/proc/self/cgroup").FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..]
            : null;
        if (v2Path is not null)
        {
            yield return Path.Join("/sys/fs/cgroup", v2Path, "cpu.pressure");
        }
        yield return "/proc/pressure/cpu";
    }

    private static double? ReadSomeAvg60(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }
            // "some avg10=16.19 avg60=37.50 avg300=40.10 total=7663205406"
            var some = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("some ", StringComparison.Ordinal));
            var avg60 = some?.Split(' ').FirstOrDefault(p => p.StartsWith("avg60=", StringComparison.Ordinal));
            return avg60 is not null && double.TryParse(avg60["avg60=".Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out var percent)
                ? percent / 100
                : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
