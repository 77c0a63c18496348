namespace Platform.Scraper.Browser;

/// <summary>
/// Finds a launched Chromium by the marker switch we pass it and measures its whole process tree (browser, zygotes,
/// renderers, GPU/utility) from /proc: Playwright does not expose the browser's process id.
/// </summary>
public static class ChromiumProcessTree
{
    private static readonly long PageSize = Environment.SystemPageSize;

    public static string MarkerArgument(string marker) => $"--platform-browser-id={marker}";

    /// <summary>The main browser process (the one launched with the marker and no --type=).</summary>
    public static int? FindBrowserProcess(string marker)
    {
        var argument = MarkerArgument(marker);
        foreach (var pid in ProcessIds())
        {
            var cmdline = ReadCmdline(pid);
            if (cmdline is not null && cmdline.Contains(argument, StringComparison.Ordinal) && !cmdline.Contains("--type=", StringComparison.Ordinal))
            {
                return pid;
            }
        }
        return null;
    }

    /// <summary>
    /// Sum of resident set sizes of the process and all its descendants; 0 when it is gone. Cheap (one short read per
    /// process) but an overstatement: a page shared by Chromium's processes — its binary, fonts, shared memory between
    /// browser and renderers — counts once per process that maps it (a 9-process tree: ~900 MiB RSS, ~260 MiB PSS).
    /// </summary>
    public static long TreeResidentBytes(int rootPid)
    {
        long total = 0;
        foreach (var pid in Descendants(rootPid))
        {
            total += ResidentBytes(pid);
        }
        return total;
    }

    /// <summary>
    /// The tree's proportional set size: each page counted once, split among the processes that share it
    /// (<c>/proc/{pid}/smaps_rollup</c>, "Pss:"); what the tree really costs the machine. Never more than
    /// <see cref="TreeResidentBytes"/>. A process whose smaps_rollup cannot be read (another user's, without the right
    /// to trace it) counts its resident size. Costly: the kernel walks each process's page tables, ~1.5 ms of CPU per
    /// Chromium process, so read it when the resident size says it may matter.
    /// </summary>
    public static long TreeProportionalBytes(int rootPid)
    {
        long total = 0;
        foreach (var pid in Descendants(rootPid))
        {
            total += ProportionalBytes(pid) ?? ResidentBytes(pid);
        }
        return total;
    }

    public static IReadOnlyList<int> Descendants(int rootPid)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var pid in ProcessIds())
        {
            if (ParentOf(pid) is { } parent)
            {
                if (!children.TryGetValue(parent, out var list))
                {
                    children[parent] = list = [];
                }
                list.Add(pid);
            }
        }
        if (!Directory.Exists($"/proc/{rootPid}"))
        {
            return [];
        }
        var result = new List<int> { rootPid };
        for (var i = 0; i < result.Count; i++)
        {
            if (children.TryGetValue(result[i], out var list))
            {
                result.AddRange(list);
            }
        }
        return result;
    }

    /// <summary>
    /// SIGKILL to the process and every descendant, listed first: renderers and zygotes of a stopped browser would not
    /// notice their parent's death and linger, stopped, as orphans. A process already gone is skipped.
    /// </summary>
    public static void Kill(int rootPid)
    {
        foreach (var pid in Descendants(rootPid))
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill(); // SIGKILL on Unix
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }
        }
    }

    private static long ResidentBytes(int pid)
    {
        // statm: size resident shared text lib data dt (in pages).
        var statm = ReadText($"/proc/{pid}/statm");
        if (statm is null)
        {
            return 0;
        }
        var fields = statm.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 1 && long.TryParse(fields[1], out var pages) ? pages * PageSize : 0;
    }

    private static long? ProportionalBytes(int pid)
    {
        var rollup = ReadText($"/proc/{pid}/smaps_rollup");
        if (rollup is null)
        {
            return null;
        }
        foreach (var line in rollup.AsSpan().EnumerateLines())
        {
            // "Pss:                1234 kB"
            if (line.StartsWith("Pss:") && long.TryParse(line[4..].Trim().TrimEnd("kB").Trim(), out var kilobytes))
            {
                return kilobytes * 1024;
            }
        }
        return null;
    }

    private static int? ParentOf(int pid)
    {
        // stat: "pid (comm) state ppid ..."; comm may contain spaces and parentheses, so parse after the last ')'.
        var stat = ReadText($"/proc/{pid}/stat");
        var close = stat?.LastIndexOf(')') ?? -1;
        if (stat is null || close < 0)
        {
            return null;
        }
        var fields = stat[(close + 2)..].Split(' ');
        return fields.Length > 1 && int.TryParse(fields[1], out var ppid) ? ppid : null;
    }

    private static IEnumerable<int> ProcessIds()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid))
            {
                yield return pid;
            }
        }
    }

    private static string? ReadCmdline(int pid) => ReadText($"/proc/{pid}/cmdline")?.Replace('\0', ' ');

    private static string? ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // the process exited between listing and reading
        }
    }
}
