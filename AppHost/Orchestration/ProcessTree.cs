using System.Globalization;
using System.Text;

namespace Platform.AppHost.Orchestration;

/// <summary>
/// Finds every process a resource started, grandchildren included (Playwright's driver and Chromium, PostgreSQL
/// backends), so stopping a resource leaves nothing behind. Two independent clues, because each alone misses some:
/// the parent chain (lost when a parent dies first and the child is re-parented) and a tag in the environment that
/// every descendant inherits (lost when a process rewrites its environ area, as Chromium's helpers do for their titles).
/// </summary>
internal static class ProcessTree
{
    /// <summary>Environment variable carrying "{owner}/{app}/{resource}"; owner = "{AppHost pid}.{its start time}".</summary>
    public const string TagVariable = "PLATFORM_APPHOST_TAG";

    public readonly record struct ProcessInfo(int Pid, int ParentPid, char State, ulong StartTime)
    {
        /// <summary>A zombie has exited and only waits to be reaped; it runs no code and holds no port.</summary>
        public bool IsRunning => State is not ('Z' or 'X');
    }

    /// <summary>Identifies this AppHost process in a way a recycled pid cannot fake.</summary>
    public static string OwnerToken { get; } = $"{Environment.ProcessId}.{Read(Environment.ProcessId)?.StartTime}";

    public static ProcessInfo? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may contain spaces, so parse from the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return new ProcessInfo(
                pid,
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                fields[0][0],
                ulong.Parse(fields[19], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    public static bool IsRunning(int pid) => Read(pid) is { IsRunning: true };

    /// <summary>True while the very process described is alive (same pid and same start time).</summary>
    public static bool IsStillRunning(ProcessInfo process) =>
        Read(process.Pid) is { IsRunning: true } now && now.StartTime == process.StartTime;

    public static List<ProcessInfo> Snapshot()
    {
        var result = new List<ProcessInfo>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Read(pid) is { } info)
            {
                result.Add(info);
            }
        }
        return result;
    }

    public static string? TagOf(int pid)
    {
        try
        {
            var environment = File.ReadAllBytes($"/proc/{pid}/environ");
            var prefix = Encoding.ASCII.GetBytes(TagVariable + "=");
            var span = environment.AsSpan();
            while (!span.IsEmpty)
            {
                var end = span.IndexOf((byte)0);
                var entry = end < 0 ? span : span[..end];
                if (entry.StartsWith(prefix))
                {
                    return Encoding.UTF8.GetString(entry[prefix.Length..]);
                }
                span = end < 0 ? [] : span[(end + 1)..];
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Running processes whose tag matches, plus every running descendant of those and of <paramref name="roots"/>.</summary>
    public static List<ProcessInfo> Members(Func<string, bool> tagMatches, IEnumerable<int>? roots = null)
    {
        var all = Snapshot();
        var self = Environment.ProcessId;
        var members = new Dictionary<int, ProcessInfo>();
        foreach (var process in all)
        {
            if (process.Pid != self && process.IsRunning && TagOf(process.Pid) is { } tag && tagMatches(tag))
            {
                members[process.Pid] = process;
            }
        }

        var pending = new Queue<int>(members.Keys);
        foreach (var root in roots ?? [])
        {
            if (all.FirstOrDefault(p => p.Pid == root) is { IsRunning: true } rootInfo && members.TryAdd(root, rootInfo))
            {
                pending.Enqueue(root);
            }
        }

        var children = all.Where(p => p.IsRunning).ToLookup(p => p.ParentPid);
        while (pending.TryDequeue(out var parent))
        {
            foreach (var child in children[parent])
            {
                if (child.Pid != self && members.TryAdd(child.Pid, child))
                {
                    pending.Enqueue(child.Pid);
                }
            }
        }
        return [.. members.Values];
    }

    /// <summary>Signals each process that is still the one observed (a recycled pid is left alone).</summary>
    public static void Signal(IEnumerable<ProcessInfo> processes, int signal)
    {
        foreach (var process in processes)
        {
            if (IsStillRunning(process))
            {
                Posix.Signal(process.Pid, signal);
            }
        }
    }

    /// <summary>SIGKILLs the members until none runs; returns how many were killed.</summary>
    public static async Task<int> KillAllAsync(Func<List<ProcessInfo>> members, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var killed = new HashSet<int>();
        while (true)
        {
            var alive = members();
            if (alive.Count == 0)
            {
                return killed.Count;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(
                    $"Processes still running after SIGKILL: {string.Join(", ", alive.Select(p => p.Pid))}");
            }
            Signal(alive, Posix.SIGKILL);
            killed.UnionWith(alive.Select(p => p.Pid));
            await Task.Delay(50);
        }
    }

    public static bool IsOwnerAlive(string tag)
    {
        var owner = tag.Split('/')[0].Split('.');
        return owner.Length == 2
            && int.TryParse(owner[0], CultureInfo.InvariantCulture, out var pid)
            && ulong.TryParse(owner[1], CultureInfo.InvariantCulture, out var startTime)
            && Read(pid) is { IsRunning: true } info
            && info.StartTime == startTime;
    }
}
