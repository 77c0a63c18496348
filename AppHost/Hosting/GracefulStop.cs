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
                if (update.Snapshot.State?.Text == KnownResourceStates.Running && pid is not null &&
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
        var replicas = _replicas.ToArray();
        _replicas.Clear();
        await base.StopAsync(cancellationToken);
        if (replicas.Length == 0)
        {
            return;
        }
        var elapsed = Stopwatch.StartNew();
        foreach (var (_, (pid, _)) in replicas)
        {
            _ = kill(pid, SigTerm); // already gone: nothing to do
        }
        var deadline = replicas.Max(r => r.Value.Timeout);
        while (replicas.Any(r => IsRunning(r.Value.Pid)) && elapsed.Elapsed < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None);
        }
        var left = replicas.Where(r => IsRunning(r.Value.Pid)).Select(r => r.Key).ToList();
        if (left.Count == 0)
        {
            logger.LogInformation("{Count} service replicas stopped gracefully in {Seconds:0.0} s", replicas.Length, elapsed.Elapsed.TotalSeconds);
        }
        else
        {
            logger.LogWarning("{Replicas} did not stop within {Seconds:0} s; the orchestrator stops them", string.Join(", ", left), deadline.TotalSeconds);
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
