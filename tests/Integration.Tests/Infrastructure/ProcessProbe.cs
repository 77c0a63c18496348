using System.Globalization;
using System.Text;

namespace Platform.Integration.Tests.Infrastructure;

/// <summary>Reads /proc directly, independently of AppHost's own bookkeeping, to check what is (still) running.</summary>
public static class ProcessProbe
{
    private const string TagVariable = "PLATFORM_APPHOST_TAG";

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

    /// <summary>The tag prefix ("{owner}/{app}/") AppHost gave this resource process and everything it started.</summary>
    /// <remarks>Null when the process is gone (e.g. a replica between a kill and its restart) or was not started by AppHost.</remarks>
    public static string? AppTagOf(int pid) =>
        Environment(pid, TagVariable) is { } tag ? tag[..(tag.LastIndexOf('/') + 1)] : null;

    /// <summary>Running processes whose AppHost tag starts with <paramref name="tagPrefix"/>, plus their descendants.</summary>
    public static HashSet<int> RunningTagged(string tagPrefix)
    {
        var pids = AllPids();
        var result = pids.Where(pid => IsRunning(pid) && Environment(pid, TagVariable)?.StartsWith(tagPrefix, StringComparison.Ordinal) == true).ToHashSet();
        result.UnionWith(result.SelectMany(DescendantsOf).ToList());
        return result;
    }

    public static HashSet<int> DescendantsOf(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var pid in AllPids())
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
            }
        }
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
