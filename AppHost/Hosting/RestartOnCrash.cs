using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>Marks a resource whose replicas are started again, after <see cref="Delay"/>, when they crash.</summary>
public sealed record RestartOnCrashAnnotation(TimeSpan Delay) : IResourceAnnotation;

public static class RestartOnCrashExtensions
{
    /// <summary>
    /// A replica that exits by itself with a non-zero code (a crash, an out-of-memory kill, SIGKILL) is started again
    /// after <paramref name="delay"/>, like a Kubernetes restart policy; DCP leaves it exited. A replica an operator
    /// stops (dashboard, resource command) stays stopped.
    /// </summary>
    public static IResourceBuilder<T> WithRestartOnCrash<T>(this IResourceBuilder<T> builder, TimeSpan delay) where T : IResource
    {
        builder.ApplicationBuilder.Services.AddHostedService<CrashedReplicaRestarter>();
        return builder.WithAnnotation(new RestartOnCrashAnnotation(delay), ResourceAnnotationMutationBehavior.Replace);
    }
}

/// <summary>
/// Owner of crash restarts: watches every resource's state (bounded by the number of replicas), starts crashed
/// replicas through the same "start" command an operator would use, and stops when the AppHost stops.
/// </summary>
internal sealed class CrashedReplicaRestarter(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    IHostApplicationLifetime lifetime,
    ILogger<CrashedReplicaRestarter> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, string?> _lastState = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        try
        {
            await foreach (var update in notifications.WatchAsync(stopping.Token))
            {
                if (!update.Resource.TryGetLastAnnotation<RestartOnCrashAnnotation>(out var policy))
                {
                    continue;
                }
                var state = update.Snapshot.State?.Text;
                var previous = _lastState.TryGetValue(update.ResourceId, out var last) ? last : null;
                _lastState[update.ResourceId] = state;
                // Stopping comes first when someone asked for the stop; a crash goes straight from Running to Finished (or Exited).
                if (HasExited(state) && previous == KnownResourceStates.Running && update.Snapshot.ExitCode is not (null or 0))
                {
                    _ = RestartAsync(update.ResourceId, update.Snapshot.ExitCode.Value, policy.Delay, stopping.Token);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>DCP reports a project replica whose process died (SIGKILL: exit code 137) as Finished, not Exited.</summary>
    private static bool HasExited(string? state) => state == KnownResourceStates.Exited || state == KnownResourceStates.Finished;

    private async Task RestartAsync(string replica, int exitCode, TimeSpan delay, CancellationToken ct)
    {
        try
        {
            logger.LogWarning("{Replica} crashed (exit code {ExitCode}); starting it again in {Delay:0.#} s", replica, exitCode, delay.TotalSeconds);
            await Task.Delay(delay, ct);
            if (_lastState.TryGetValue(replica, out var state) && !HasExited(state))
            {
                return; // an operator or a test started (or stopped) it meanwhile
            }
            var result = await commands.ExecuteCommandAsync(replica, KnownResourceCommands.StartCommand, ct);
            if (!result.Success)
            {
                logger.LogError("Could not start {Replica} again: {Error}", replica, result.Message);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
