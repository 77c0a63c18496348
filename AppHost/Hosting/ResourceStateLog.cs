using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.AppHost;

/// <summary>
/// One console line per resource state change ("api-x7k2 Running, Healthy"), so an operator who runs ./run in a
/// terminal sees the app come up, crash or recover without opening the dashboard; and the app's URL once the
/// gateway is healthy.
/// </summary>
internal sealed class ResourceStateLog(ResourceNotificationService notifications, ILogger<ResourceStateLog> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, string> _last = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var update in notifications.WatchAsync(stoppingToken))
            {
                var snapshot = update.Snapshot;
                if (snapshot.State?.Text is not { Length: > 0 } state || snapshot.IsHidden)
                {
                    continue;
                }
                var line = state switch
                {
                    _ when state == KnownResourceStates.Running && snapshot.HealthStatus is { } health => $"{state}, {health}",
                    _ when snapshot.ExitCode is { } exitCode => $"{state} (exit code {exitCode})",
                    _ => state,
                };
                if (_last.TryGetValue(update.ResourceId, out var previous) && previous == line)
                {
                    continue;
                }
                _last[update.ResourceId] = line;
                logger.LogInformation("{Resource}: {State}", update.ResourceId, line);
                if (update.Resource.Name == "gateway" && line == $"{KnownResourceStates.Running}, Healthy"
                    && snapshot.Urls.FirstOrDefault(u => !u.IsInternal)?.Url is { } url)
                {
                    logger.LogInformation("Platform is ready at {Url}   (Ctrl-C to stop)", url);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
