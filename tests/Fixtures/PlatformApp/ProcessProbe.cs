using System.Globalization;
using System.Text;

namespace Platform.Testing;

/// <summary>Reads /proc directly, independently of Aspire's own bookkeeping, to check what is (still) running.</summary>
public static class ProcessProbe
{
    public const string TagVariable = "PLATFORM_APP_TAG";

    /// <summary>Alive and not a zombie (this machine's init does not reap orphans, so exited ones can linger as zombies).</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[stat.LastIndexOf(')') + 2];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static string? Environment(int pid, string variable)
    {
        try
        {
            var prefix = variable + "=";
            return Encoding.UTF8.GetString(File.ReadAllBytes($"/proc/{pid}/environ"))
                .Split('\0')
                .FirstOrDefault(entry => entry.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Running processes whose <see cref="TagVariable"/> is <paramref name="tag"/> (the app's DCP, dashboard and
    /// every resource inherit it), plus their descendants.</summary>
    public static HashSet<int> RunningTagged(string tag)
    {
        var pids = AllPids();
        var result = pids.Where(pid => IsRunning(pid) && Environment(pid, TagVariable) == tag).ToHashSet();
        result.UnionWith(result.SelectMany(DescendantsOf).ToList());
        return result;
    }

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>
    /// Whether <paramref name="pid"/> is a process of the app tagged <paramref name="tag"/>: it or one of its ancestors
    /// carries the tag. A pid read earlier (a snapshot, a stats answer) can by now name another app's process.
    /// </summary>
    public static bool BelongsTo(int pid, string tag)
    {
        for (var (current, depth) = (pid, 0); current > 1 && depth < 64; (current, depth) = (ParentOf(current), depth + 1))
        {
            if (Environment(current, TagVariable) == tag)
            {
                return true;
            }
        }
        return false;
    }

    public static IEnumerable<int> ChildrenOf(int parent) =>
        AllPids().Where(pid => IsRunning(pid) && ParentOf(pid) == parent);

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public static HashSet<int> DescendantsOf(int root)
    {
        var parents = AllPids().ToDictionary(pid => pid, ParentOf);
        var result = new HashSet<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var (child, _) in parents.Where(p => p.Value == parent))
            {
                if (IsRunning(child) && result.Add(child))
                {
                    frontier.Enqueue(child);
                }
            }
        }
        return result;
    }

    /// <summary>Waits (briefly) for every pid to be gone; returns those still running.</summary>
    public static async Task<List<int>> StillRunningAfterAsync(IEnumerable<int> pids, TimeSpan grace)
    {
        var deadline = DateTime.UtcNow + grace;
        List<int> alive;
        while ((alive = [.. pids.Where(IsRunning)]).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        return alive;
    }

    /// <summary>SIGKILL; a process already gone is no error.</summary>
    public static void Kill(int pid) => _ = kill(pid, 9);

    /// <summary>SIGSTOP (the process hangs, its sockets stay open); a process already gone is no error.</summary>
    public static void Pause(int pid) => _ = kill(pid, 19);

    /// <summary>SIGCONT; a process already gone is no error.</summary>
    public static void Resume(int pid) => _ = kill(pid, 18);

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    public static string Describe(IEnumerable<int> pids) => string.Join(", ", pids.Select(pid =>
    {
        try
        {
            return $"{pid} ({File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim()})";
        }
        catch (IOException)
        {
            return $"{pid}";
        }
    }));

    private static IEnumerable<int> AllPids() =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Select(name => int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && pid != System.Environment.ProcessId);
}
