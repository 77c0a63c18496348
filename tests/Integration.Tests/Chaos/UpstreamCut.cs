using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Platform.Integration.Tests.Chaos;

/// <summary>
/// Cuts a process's established TCP connections to some ports, as a network fault or a middlebox restart between two
/// processes would, while both keep running: <c>ss -K</c> (iproute2) has the kernel destroy each socket (SOCK_DESTROY,
/// root only), which resets it at both ends. Used on the gateway's connections to the Api replicas, so the SignalR
/// WebSockets it relays drop mid-stream.
/// </summary>
public static partial class UpstreamCut
{
    /// <summary>Cuts every established connection of <paramref name="pid"/> to one of <paramref name="ports"/>; returns how many.</summary>
    public static async Task<int> CutAsync(int pid, IReadOnlyCollection<int> ports)
    {
        var destinations = string.Join(" or ", ports.Select(p => $"dport = :{p}"));
        var listed = await SsAsync($"-tnpH state established ( {destinations} )");
        var connections = listed.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.Contains($"pid={pid},", StringComparison.Ordinal))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(fields => (Local: Port(fields[2]), Remote: Port(fields[3])))
            .ToList();
        if (connections.Count == 0)
        {
            return 0;
        }
        var filter = string.Join(" or ", connections.Select(c => $"( sport = :{c.Local} and dport = :{c.Remote} )"));
        var killed = await SsAsync($"-K -tnH state established ( {filter} )");
        return killed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(line => PeerPattern().IsMatch(line));
    }

    private static int Port(string endpoint) => int.Parse(endpoint[(endpoint.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);

    private static async Task<string> SsAsync(string arguments)
    {
        var start = new ProcessStartInfo("ss") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            start.ArgumentList.Add(argument);
        }
        using var ss = Process.Start(start) ?? throw new InvalidOperationException("ss (iproute2) could not be started");
        var output = ss.StandardOutput.ReadToEndAsync();
        var errors = ss.StandardError.ReadToEndAsync();
        await ss.WaitForExitAsync();
        if (ss.ExitCode != 0)
        {
            throw new InvalidOperationException($"ss {arguments} exited {ss.ExitCode}: {await errors}");
        }
        return await output;
    }

    [GeneratedRegex(@":\d+\s+\S+:\d+")]
    private static partial Regex PeerPattern();
}
