using System.Globalization;
using Platform.Testing;

namespace Platform.Peers.Bench;

/// <summary>
/// CPU time used by each part of the app (and by this process) between two snapshots, from /proc: where a run's CPU went.
/// A process that exits between the snapshots counts in its parent once reaped (cutime); one not yet reaped is missed.
/// </summary>
internal sealed class ProcessCpu
{
    public const double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly Dictionary<int, (string Role, long Ticks)> _start;

    private ProcessCpu(Dictionary<int, (string Role, long Ticks)> start) => _start = start;

    public static ProcessCpu Snapshot(string tag) => new(Read(tag));

    /// <summary>Seconds of CPU by role since the snapshot, largest first.</summary>
    public IReadOnlyList<(string Role, double Seconds)> Since(string tag)
    {
        var now = Read(tag);
        return [.. now
            .Select(p => (p.Value.Role, Ticks: p.Value.Ticks - (_start.TryGetValue(p.Key, out var before) ? before.Ticks : 0)))
            .GroupBy(p => p.Role)
            .Select(g => (Role: g.Key, Seconds: g.Sum(p => p.Ticks) / TicksPerSecond))
            .OrderByDescending(r => r.Seconds)];
    }

    /// <summary>
    /// Waits until the app is quiet — its processes together use under 0.1 core over 2 s — or a minute has passed: after a
    /// warm-up the services still recompile their hot paths at higher tiers for a while, CPU a timed run would pay for.
    /// </summary>
    public static async Task WaitQuietAsync(string tag)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double perSecond;
        do
        {
            var before = Snapshot(tag);
            await Task.Delay(TimeSpan.FromSeconds(2));
            perSecond = before.Since(tag).Where(r => !r.Role.StartsWith("bench", StringComparison.Ordinal)).Sum(r => r.Seconds) / 2;
        }
        while (perSecond >= 0.1 && clock.Elapsed < TimeSpan.FromMinutes(1));
        Console.WriteLine($"  quiet after {clock.Elapsed.TotalSeconds:0} s of waiting (the app at {1000 * perSecond:0} ms CPU per second)");
    }

    /// <summary>One line: each role's CPU seconds and, per unit of work, milliseconds.</summary>
    public string Describe(string tag, int units, string unit)
    {
        var roles = Since(tag);
        var total = roles.Sum(r => r.Seconds);
        return $"CPU {total:0.0} s ({1000 * total / units:0.0} ms per {unit}): " +
               string.Join(", ", roles.Where(r => r.Seconds > 0).Select(r => $"{r.Role} {r.Seconds:0.0} s ({1000 * r.Seconds / units:0.0} ms)"));
    }

    /// <summary>
    /// A process's CPU ticks: utime, stime, cutime and cstime (fields 14 to 17 of stat; 11 to 14 after the state), its own
    /// CPU and that of its children that exited and were reaped (Chromium's renderers, PostgreSQL's backends).
    /// Throws <see cref="IOException"/> when the process is gone.
    /// </summary>
    public static long Ticks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields[11..15].Sum(f => long.Parse(f, CultureInfo.InvariantCulture));
    }

    private static Dictionary<int, (string Role, long Ticks)> Read(string tag)
    {
        var self = Environment.ProcessId;
        var mine = ProcessProbe.DescendantsOf(self); // the baselines' Chromium
        var result = new Dictionary<int, (string, long)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || (pid != self && !mine.Contains(pid) && !ProcessProbe.BelongsTo(pid, tag)))
            {
                continue;
            }
            try
            {
                var ticks = Ticks(pid);
                result[pid] = (pid == self ? "bench client" : mine.Contains(pid) ? $"bench {Role(ProcessProbe.CommandLine(pid))}" : Role(ProcessProbe.CommandLine(pid)), ticks);
            }
            catch (IOException)
            {
                // exited meanwhile
            }
        }
        return result;
    }

    /// <summary>What a process is, from its executable (or the assembly dotnet runs): the app's services by project name.</summary>
    private static string Role(string commandLine)
    {
        var words = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var program = words.Length == 0 ? "" : Path.GetFileName(words[0]);
        if (program == "dotnet" && words.Length > 1)
        {
            program = Path.GetFileNameWithoutExtension(words[1]);
        }
        return program switch
        {
            "Api" => "api",
            "Scraper" => "scraper",
            "Gateway" => "gateway",
            "AppHost" => "apphost",
            _ when program.StartsWith("dcp", StringComparison.Ordinal) => "dcp",
            _ when program.Contains("Dashboard", StringComparison.Ordinal) => "dashboard",
            _ when commandLine.Contains("chromium", StringComparison.Ordinal) => "chromium",
            _ when commandLine.StartsWith("postgres", StringComparison.Ordinal) || program == "postgres" => "postgres",
            _ when program.StartsWith("redis-server", StringComparison.Ordinal) => "redis",
            _ => program.Length == 0 ? "other" : program,
        };
    }
}
