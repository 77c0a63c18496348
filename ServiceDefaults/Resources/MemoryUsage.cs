namespace Platform.ServiceDefaults;

/// <summary>
/// How full this process's memory is: the cgroup's working set against its limit when the container has one (v2 or v1),
/// otherwise the machine's used memory against its total (/proc/meminfo). Shared by the Scraper's and the Api's admission.
/// </summary>
public static class MemoryUsage
{
    public static MemoryReading Read()
    {
        var machine = ReadMachine();
        return ReadCgroup() is { } cgroup && cgroup.LimitBytes < machine.LimitBytes ? cgroup : machine;
    }

    private static MemoryReading ReadMachine()
    {
        long total = 0, available = 0;
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal)) total = KiB(line);
            else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal)) available = KiB(line);
        }
        return new MemoryReading(Math.Max(0, total - available), Math.Max(1, total));

        static long KiB(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    private static MemoryReading? ReadCgroup()
    {
        // cgroup v2: this process's group from /proc/self/cgroup ("0::/path").
        var v2Path = File.Exists("/proc/self/cgroup")
            ? File.ReadLines("/proc/self/cgroup").FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..]
            : null;
        if (v2Path is not null)
        {
            var dir = Path.Join("/sys/fs/cgroup", v2Path);
            if (ReadLimit(Path.Join(dir, "memory.max")) is { } limit && ReadLong(Path.Join(dir, "memory.current")) is { } current)
            {
                return new MemoryReading(WorkingSet(current, Path.Join(dir, "memory.stat"), "inactive_file"), limit);
            }
        }
        const string v1 = "/sys/fs/cgroup/memory";
        if (ReadLimit(Path.Join(v1, "memory.limit_in_bytes")) is { } v1Limit && ReadLong(Path.Join(v1, "memory.usage_in_bytes")) is { } v1Usage)
        {
            return new MemoryReading(WorkingSet(v1Usage, Path.Join(v1, "memory.stat"), "total_inactive_file"), v1Limit);
        }
        return null;
    }

    // Working set = usage minus reclaimable page cache, as the kubelet computes it for eviction.
    private static long WorkingSet(long usage, string statPath, string inactiveKey)
    {
        if (!File.Exists(statPath))
        {
            return usage;
        }
        foreach (var line in File.ReadLines(statPath))
        {
            var parts = line.Split(' ');
            if (parts.Length == 2 && parts[0] == inactiveKey && long.TryParse(parts[1], out var inactive))
            {
                return Math.Max(0, usage - inactive);
            }
        }
        return usage;
    }

    private static long? ReadLimit(string path)
    {
        var value = ReadLong(path);
        // "max" (v2) or a near-2^63 number (v1) mean unlimited.
        return value is > 0 and < long.MaxValue / 2 ? value : null;
    }

    private static long? ReadLong(string path)
    {
        try
        {
            return File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), out var value) ? value : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

public readonly record struct MemoryReading(long UsedBytes, long LimitBytes)
{
    public double Ratio => (double)UsedBytes / LimitBytes;
}
