using System.Collections.Concurrent;
using System.Diagnostics;

namespace Platform.AppHost.Orchestration;

/// <summary>
/// One launched OS process. Every child is started so it cannot outlive the AppHost or escape clean-up:
/// <list type="bullet">
/// <item><c>setsid</c>: its own session, so a Ctrl-C in the terminal reaches only the AppHost, which then stops the
/// children in order instead of everything dying at once;</item>
/// <item><c>setpriv --pdeathsig SIGKILL</c>: the kernel kills it if the AppHost dies without cleaning up (even SIGKILL);</item>
/// <item>a <see cref="ProcessTree.TagVariable"/> tag in its environment that its own children inherit.</item>
/// </list>
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private static readonly string? Setsid = FindExecutable("setsid");
    private static readonly string? Setpriv = FindExecutable("setpriv");

    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process) => _process = process;

    public int Pid { get; private set; }

    public DateTime StartedAt { get; private set; }

    /// <summary>Completes with the exit code (128 + n when killed by signal n) as soon as the process exits.</summary>
    public Task<int> Exited => _exited.Task;

    public bool HasExited => _exited.Task.IsCompleted;

    public static async Task<ChildProcess> StartAsync(ProcessSpec spec, string tag, ResourceLog log)
    {
        var process = new Process { StartInfo = CreateStartInfo(spec, tag), EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        // The Exited event fires on the exit itself; WaitForExitAsync would also wait for EOF on stdout, which a
        // grandchild (Chromium) holding the inherited pipe can delay indefinitely.
        process.Exited += (_, _) => child._exited.TrySetResult(process.ExitCode);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Write(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Write(e.Data); };

        await SpawnThread.StartAsync(process);
        child.Pid = process.Id;
        child.StartedAt = DateTime.UtcNow;
        process.StandardInput.Close(); // children read nothing; EOF rather than the AppHost's terminal
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs a short-lived tool (initdb, migrations) to completion; throws with its output if it fails.</summary>
    public static async Task RunToCompletionAsync(ProcessSpec spec, string tag, ResourceLog log, TimeSpan timeout, CancellationToken ct)
    {
        using var child = await StartAsync(spec, tag, log);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        int exitCode;
        try
        {
            exitCode = await child.Exited.WaitAsync(deadline.Token);
            // Let the last lines of output arrive so an error message is complete.
            await child._process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            await ProcessTree.KillAllAsync(() => ProcessTree.Members(t => t == tag, [child.Pid]), TimeSpan.FromSeconds(5));
            if (ct.IsCancellationRequested)
            {
                throw;
            }
            throw new TimeoutException($"{Describe(spec)} did not finish within {timeout.TotalSeconds:0} s.{LastLines(log)}");
        }
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{Describe(spec)} failed with exit code {exitCode}.{LastLines(log)}");
        }
    }

    public void Dispose() => _process.Dispose();

    private static ProcessStartInfo CreateStartInfo(ProcessSpec spec, string tag)
    {
        var info = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = spec.WorkingDirectory ?? Environment.CurrentDirectory,
        };

        if (Setsid is not null && Setpriv is not null)
        {
            info.FileName = Setsid;
            info.ArgumentList.Add(Setpriv);
            info.ArgumentList.Add("--pdeathsig");
            info.ArgumentList.Add("SIGKILL");
            if (spec.RunAsUser is { } user)
            {
                info.ArgumentList.Add($"--reuid={user}");
                info.ArgumentList.Add($"--regid={user}");
                info.ArgumentList.Add("--init-groups");
            }
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(spec.FileName);
        }
        else if (spec.RunAsUser is not null)
        {
            throw new InvalidOperationException($"Running {spec.FileName} as {spec.RunAsUser} needs setsid and setpriv (util-linux).");
        }
        else
        {
            info.FileName = spec.FileName;
        }

        foreach (var argument in spec.Arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in spec.Environment)
        {
            info.Environment[key] = value;
        }
        info.Environment[ProcessTree.TagVariable] = tag;
        return info;
    }

    private static string Describe(ProcessSpec spec) => $"'{spec.FileName} {string.Join(' ', spec.Arguments)}'";

    private static string LastLines(ResourceLog log) =>
        log.Tail(30) is { Count: > 0 } lines ? $"{Environment.NewLine}Last output:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", lines)}" : "";

    public static string? FindExecutable(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin").Append("/bin")
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// PR_SET_PDEATHSIG fires when the <em>thread</em> that forked the child exits, not the process, and thread-pool
    /// threads retire when idle. So every child is forked from this one thread, which lives as long as the process.
    /// Owner: the process (static). Bound: 64 pending starts. No cancellation: a start takes milliseconds.
    /// </summary>
    private static class SpawnThread
    {
        private static readonly BlockingCollection<(Process Process, TaskCompletionSource Started)> Requests = new(boundedCapacity: 64);

        static SpawnThread()
        {
            new Thread(Run) { IsBackground = true, Name = "apphost-spawn" }.Start();
        }

        public static Task StartAsync(Process process)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Requests.Add((process, started));
            return started.Task;
        }

        private static void Run()
        {
            foreach (var (process, started) in Requests.GetConsumingEnumerable())
            {
                try
                {
                    process.Start();
                    started.SetResult();
                }
                catch (Exception e)
                {
                    started.SetException(e);
                }
            }
        }
    }
}
