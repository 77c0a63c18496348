using System.Globalization;
using Platform.Testing;

namespace Platform.Peers.Bench;

/// <summary>
/// CPU time used by each part of the app (and by this process) since a snapshot, from /proc: where a run's CPU went. The
/// processes are sampled every 250 ms while the snapshot lives, so one that exits during the run (a browser replaced after
/// its captures, a renderer) counts under its own role up to its last sample; its parent, which reaps it and so gains its
/// whole lifetime's CPU in cutime, is charged only the tail after that sample. Dispose to stop the sampling.
/// </summary>
internal sealed class ProcessCpu : IDisposable
{
    public const double TicksPerSecond = 100; // USER_HZ on Linux
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private sealed class Seen(string role, string kind, long start)
    {
        public string Role { get; } = role;
        public string Kind { get; } = kind; // a Chromium process's --type (browser, zygote, renderer, gpu-process, utility:…)
        public long Start { get; } = start;
        public long Last { get; set; } = start;
        public int Parent { get; set; }
        public bool Gone { get; set; }
        public int LastSample { get; set; } // the sample that last saw it alive
    }

    private readonly string _tag;
    private readonly int _self = Environment.ProcessId;
    private readonly Dictionary<int, Seen> _seen = [];
    private readonly HashSet<int> _foreign = []; // pids looked at once and found to be neither the app's nor ours
    private readonly Lock _gate = new();
    private readonly Timer _timer;
    private int _sample;

    private ProcessCpu(string tag)
    {
        _tag = tag;
        Sample(first: true);
        _timer = new Timer(_ => Sample(first: false), null, Interval, Interval);
    }

    public static ProcessCpu Snapshot(string tag) => new(tag);

    public void Dispose() => _timer.Dispose();

    /// <summary>Seconds of CPU by role since the snapshot, largest first.</summary>
    public IReadOnlyList<(string Role, double Seconds)> Since() => Since(seen => seen.Role);

    private List<(string Role, double Seconds)> Since(Func<Seen, string?> groupBy)
    {
        Sample(first: false);
        lock (_gate)
        {
            var ticks = _seen.ToDictionary(p => p.Key, p => p.Value.Last - p.Value.Start);
            foreach (var gone in _seen.Values.Where(p => p.Gone))
            {
                // Reaped: its whole lifetime is now in its reaper's cutime, and was counted above up to its last sample.
                // The reaper is its parent, unless the parent was gone by the same sample (a browser and its zygote exit
                // together): then the parent's last figure does not hold it, and the grandparent's does.
                var reaper = gone.Parent;
                while (_seen.TryGetValue(reaper, out var ancestor) && ancestor.Gone && ancestor.LastSample <= gone.LastSample)
                {
                    reaper = ancestor.Parent;
                }
                if (ticks.ContainsKey(reaper))
                {
                    ticks[reaper] = Math.Max(0, ticks[reaper] - gone.Last);
                }
            }
            return [.. ticks
                .Where(p => groupBy(_seen[p.Key]) is not null)
                .GroupBy(p => groupBy(_seen[p.Key])!)
                .Select(g => (Role: g.Key, Seconds: g.Sum(p => p.Value) / TicksPerSecond))
                .OrderByDescending(r => r.Seconds)];
        }
    }

    private void Sample(bool first)
    {
        lock (_gate)
        {
            _sample++;
            var mine = ProcessProbe.DescendantsOf(_self); // the baselines' Chromium
            var alive = new HashSet<int>();
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid) || _foreign.Contains(pid))
                {
                    continue;
                }
                try
                {
                    var (ticks, parent) = Read(pid);
                    if (!_seen.TryGetValue(pid, out var seen))
                    {
                        if (pid != _self && !mine.Contains(pid) && !ProcessProbe.BelongsTo(pid, _tag))
                        {
                            _foreign.Add(pid);
                            continue;
                        }
                        var commandLine = ProcessProbe.CommandLine(pid);
                        var role = pid == _self ? "bench client" : mine.Contains(pid) ? $"bench {Role(commandLine)}" : Role(commandLine);
                        _seen[pid] = seen = new Seen(role, ChromiumType(commandLine), first ? ticks : 0);
                    }
                    seen.Last = ticks;
                    seen.Parent = parent;
                    seen.LastSample = _sample;
                    alive.Add(pid);
                }
                catch (IOException)
                {
                    // exited meanwhile
                }
            }
            foreach (var (pid, seen) in _seen)
            {
                seen.Gone = !alive.Contains(pid);
            }
        }
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
            using var before = Snapshot(tag);
            await Task.Delay(TimeSpan.FromSeconds(2));
            perSecond = before.Since().Where(r => !r.Role.StartsWith("bench", StringComparison.Ordinal)).Sum(r => r.Seconds) / 2;
        }
        while (perSecond >= 0.1 && clock.Elapsed < TimeSpan.FromMinutes(1));
        Console.WriteLine($"  quiet after {clock.Elapsed.TotalSeconds:0} s of waiting (the app at {1000 * perSecond:0} ms CPU per second)");
    }

    /// <summary>One line: each role's CPU seconds and, per unit of work, milliseconds.</summary>
    public string Describe(int units, string unit)
    {
        var roles = Since();
        var total = roles.Sum(r => r.Seconds);
        return $"CPU {total:0.0} s ({1000 * total / units:0.0} ms per {unit}): " +
               string.Join(", ", roles.Where(r => r.Seconds > 0).Select(r => $"{r.Role} {r.Seconds:0.0} s ({1000 * r.Seconds / units:0.0} ms)"));
    }

    /// <summary>One line: the CPU of the processes in <paramref name="role"/> by Chromium process type, per unit of work.</summary>
    public string DescribeChromium(string role, int units, string unit)
    {
        var types = Since(seen => seen.Role == role ? seen.Kind : null);
        return $"{role} by process type (ms per {unit}): " +
               string.Join(", ", types.Where(t => t.Seconds > 0).Select(t => $"{t.Role} {1000 * t.Seconds / units:0}"));
    }

    /// <summary>A Chromium process's <c>--type</c> from its command line (none: the browser), with a utility's sub-type.</summary>
    public static string ChromiumType(string commandLine)
    {
        var words = commandLine.Split(' ');
        var type = words.FirstOrDefault(w => w.StartsWith("--type=", StringComparison.Ordinal))?[7..] ?? "browser";
        return words.FirstOrDefault(w => w.StartsWith("--utility-sub-type=", StringComparison.Ordinal)) is { } sub
            ? $"{type}:{sub[19..].Split('.').Last()}"
            : type;
    }

    /// <summary>
    /// A process's CPU ticks: utime, stime, cutime and cstime (fields 14 to 17 of stat; 11 to 14 after the state), its own
    /// CPU and that of its children that exited and were reaped (Chromium's renderers, PostgreSQL's backends).
    /// Throws <see cref="IOException"/> when the process is gone.
    /// </summary>
    public static long Ticks(int pid) => Read(pid).Ticks;

    private static (long Ticks, int Parent) Read(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (fields[11..15].Sum(f => long.Parse(f, CultureInfo.InvariantCulture)), int.Parse(fields[1], CultureInfo.InvariantCulture));
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
