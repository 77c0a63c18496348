using System.Runtime.InteropServices;

namespace Platform.Testing;

/// <summary>
/// A rolling-restart step for a service replica, as an orchestrator's rolling update does it: SIGTERM to the service's own
/// process (a graceful stop: an Api replica hands its runs back), wait for it to exit, start it again, wait until healthy.
/// The resource "restart" command cannot be used for this here: DCP stops a project with SIGINT to its <c>dotnet run</c>
/// wrapper, which does not pass it on, and the stop fails.
/// </summary>
public static class GracefulRestart
{
    private const int SigTerm = 15;

    public static async Task GracefulRestartAsync(this AppResource replica, CancellationToken ct = default)
    {
        var pid = replica.Pid ?? throw new InvalidOperationException($"{replica.Name} has no running process ({replica.State})");
        if (Kill(pid, SigTerm) != 0)
        {
            throw new InvalidOperationException($"SIGTERM to {replica.Name} (pid {pid}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        await replica.WaitUntilAsync(r => r.State == AppResourceState.Exited, TimeSpan.FromSeconds(60), ct);
        await replica.StartAsync(ct);
        await replica.WaitUntilAsync(r => r.State == AppResourceState.Healthy, TimeSpan.FromSeconds(90), ct);
        await replica.WaitHealthyAsync(ct);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
