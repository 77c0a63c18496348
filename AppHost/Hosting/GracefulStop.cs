using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>Marks a project whose replicas get SIGTERM, and up to <see cref="Timeout"/> to finish, when the AppHost stops.</summary>
public sealed record GracefulStopAnnotation(TimeSpan Timeout) : IResourceAnnotation;

public static class GracefulStopExtensions
{
    /// <summary>
    /// Lets the project's replicas shut down gracefully when the AppHost stops (Ctrl-C, SIGTERM, a test disposing the app).
    /// On Linux DCP stops a project by sending SIGINT to its <c>dotnet run</c> process, which does not pass SIGINT on
    /// (it leaves that to the terminal, which signals the whole process group); the service itself gets nothing and is
    /// killed about 6 s later, so it never hands its runs back or releases its leases, and every stop costs 6–14 s.
    /// <c>dotnet run</c> does pass SIGTERM on, so the AppHost sends SIGTERM to every replica first and waits for them.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithGracefulStop(this IResourceBuilder<ProjectResource> builder, TimeSpan timeout)
    {
        builder.ApplicationBuilder.Services.TryAddEnumerableHostedService<GracefulProjectStopper>();
        return builder.WithAnnotation(new GracefulStopAnnotation(timeout), ResourceAnnotationMutationBehavior.Replace);
    }

    private static void TryAddEnumerableHostedService<T>(this IServiceCollection services) where T : class, IHostedService
    {
        if (!services.Any(d => d.ImplementationType == typeof(T)))
        {
            services.AddHostedService<T>();
        }
    }
}

/// <summary>
/// Owner of graceful stops. Watches the replicas' process ids while the app runs (one entry per replica); when the host
/// stops — before Aspire's orchestrator, since hosted services stop in reverse order of registration — it sends SIGTERM
/// to every replica of an annotated project and waits until they have exited, bounded by the largest timeout.
/// </summary>
internal sealed class GracefulProjectStopper(
    ResourceNotificationService notifications,
    ILogger<GracefulProjectStopper> logger) : BackgroundService
{
    private const int SigTerm = 15;
    private readonly ConcurrentDictionary<string, (int Pid, TimeSpan Timeout)> _replicas = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var update in notifications.WatchAsync(stoppingToken))
            {
                if (!update.Resource.TryGetLastAnnotation<GracefulStopAnnotation>(out var policy))
                {
                    continue;
                }
                var pid = update.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
                if (update.Snapshot.State?.Text is { } state && state != KnownResourceStates.Exited && state != KnownResourceStates.Finished && pid is not null &&
                    int.TryParse(Convert.ToString(pid, CultureInfo.InvariantCulture), out var id))
                {
                    _replicas[update.ResourceId] = (id, policy.Timeout);
                }
                else
                {
                    _replicas.TryRemove(update.ResourceId, out _);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // The watch keeps running meanwhile: a replica started during the stop (a restart, a test's "start") is seen too.
        var elapsed = Stopwatch.StartNew();
        var signalled = new Dictionary<string, int>();
        var deadline = TimeSpan.Zero;
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var (replica, (pid, timeout)) in _replicas)
            {
                if (IsRunning(pid) && (!signalled.TryGetValue(replica, out var done) || done != pid))
                {
                    Terminate(pid);
                    signalled[replica] = pid;
                    deadline = timeout > deadline ? timeout : deadline;
                }
            }
            if (!_replicas.Values.Any(r => IsRunning(r.Pid)) || elapsed.Elapsed >= deadline)
            {
                break;
            }
            await Task.Delay(50, CancellationToken.None);
        }
        var left = _replicas.Where(r => IsRunning(r.Value.Pid)).Select(r => r.Key).ToList();
        await base.StopAsync(cancellationToken);
        if (signalled.Count == 0)
        {
            return;
        }
        if (left.Count == 0)
        {
            logger.LogInformation("{Count} service replicas stopped gracefully in {Seconds:0.0} s", signalled.Count, elapsed.Elapsed.TotalSeconds);
        }
        else
        {
            logger.LogWarning("{Replicas} did not stop within {Seconds:0} s; the orchestrator stops them", string.Join(", ", left), deadline.TotalSeconds);
        }
    }

    /// <summary>SIGTERM to the process DCP launched and to its children (the service under a <c>dotnet run</c> wrapper).</summary>
    private static void Terminate(int pid)
    {
        foreach (var child in ChildrenOf(pid))
        {
            _ = kill(child, SigTerm);
        }
        _ = kill(pid, SigTerm); // already gone: nothing to do
    }

    private static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue;
            }
            // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 1 && int.TryParse(fields[1], out var ppid) && ppid == parent)
            {
                yield return pid;
            }
        }
    }

    // A zombie (exited, not yet reaped by DCP) has no cmdline: it is no longer running.
    private static bool IsRunning(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Length > 0;
        }
        catch (IOException)
        {
            return false;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
