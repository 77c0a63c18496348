using System.Runtime.InteropServices;

namespace Platform.AppHost.Orchestration;

/// <summary>The libc calls .NET has no API for: any signal other than SIGKILL, and the effective user id.</summary>
internal static class Posix
{
    // Linux numbering (x64 and arm64 agree on these).
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();

    public static bool IsRoot { get; } = GetEffectiveUserId() == 0;

    /// <returns>false when no such process exists (any more).</returns>
    public static bool Signal(int pid, int signal) => pid > 0 && Kill(pid, signal) == 0;

    public static string SignalName(int signal) => signal switch
    {
        SIGINT => "SIGINT",
        SIGKILL => "SIGKILL",
        SIGTERM => "SIGTERM",
        SIGCONT => "SIGCONT",
        SIGSTOP => "SIGSTOP",
        _ => $"signal {signal}",
    };
}
