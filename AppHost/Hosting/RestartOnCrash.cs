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
    private readonly ConcurrentDictionary<string, bool> _stopAsked = new();

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
                if (state == KnownResourceStates.Stopping)
                {
                    _stopAsked[update.ResourceId] = true; // an operator's stop: it stays stopped, even while a restart backs off
                }
                else if (state == KnownResourceStates.Running)
                {
                    _stopAsked.TryRemove(update.ResourceId, out _);
                }
                // Stopping comes first when someone asked for the stop; a crash goes straight from Running to Exited.
                // DCP reports a process that ended by itself as Finished or Exited, depending on the resource kind.
                if (IsEnded(state) && previous == KnownResourceStates.Running && update.Snapshot.ExitCode is not (null or 0))
                {
                    _ = RestartAsync(update.ResourceId, update.Snapshot.ExitCode.Value, policy.Delay, stopping.Token);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private static bool IsEnded(string? state) => state == KnownResourceStates.Exited || state == KnownResourceStates.Finished;

    private async Task RestartAsync(string replica, int exitCode, TimeSpan delay, CancellationToken ct)
    {
        try
        {
            logger.LogWarning("{Replica} crashed (exit code {ExitCode}); starting it again in {Delay:0.#} s", replica, exitCode, delay.TotalSeconds);
            // A start can fail when a resource the replica waits for is down at that moment (Redis stopped during the crash):
            // tried again, each time later (a crash-loop back-off), until it starts or someone else starts or stops it.
            for (var wait = delay; ; wait = NextBackOff(wait))
            {
                await Task.Delay(wait, ct);
                if ((_lastState.TryGetValue(replica, out var state) && !IsEnded(state) && state != KnownResourceStates.FailedToStart)
                    || _stopAsked.ContainsKey(replica))
                {
                    return; // an operator or a test started (or stopped) it meanwhile
                }
                var result = await commands.ExecuteCommandAsync(replica, KnownResourceCommands.StartCommand, ct);
                if (result.Success)
                {
                    return;
                }
                logger.LogWarning("Could not start {Replica} again ({Error}); trying again in {Delay:0.#} s", replica, result.Message, NextBackOff(wait).TotalSeconds);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static readonly TimeSpan MaxBackOff = TimeSpan.FromSeconds(30);

    private static TimeSpan NextBackOff(TimeSpan wait) =>
        TimeSpan.FromTicks(Math.Min(MaxBackOff.Ticks, Math.Max(TimeSpan.FromSeconds(1).Ticks, wait.Ticks * 2)));
}
