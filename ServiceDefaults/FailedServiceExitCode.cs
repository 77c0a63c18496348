using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A process whose background service failed exits with <see cref="ExitCode"/>, not 0. The host stops when a
/// <see cref="BackgroundService"/> throws (<see cref="BackgroundServiceExceptionBehavior.StopHost"/>, the default) but
/// <c>Run</c> then returns normally, so the process ended as a clean stop (dotnet/runtime#67146; .NET 11 makes
/// <c>RunAsync</c> throw instead): the Aspire dashboard and any supervisor read a dispatcher that died as a replica that
/// was asked to stop. Set when the host has stopped, after every service's own stop.
/// </summary>
public sealed class FailedServiceExitCode(IServiceProvider services, IHostApplicationLifetime lifetime) : IHostedService
{
    public const int ExitCode = 1;

    public static void AddTo(IServiceCollection collection) => collection.AddHostedService<FailedServiceExitCode>();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolved when the host has stopped: the hosted services include this one, so not in the constructor.
        lifetime.ApplicationStopped.Register(() =>
        {
            if (services.GetServices<IHostedService>().OfType<BackgroundService>().Any(s => s.ExecuteTask is { IsFaulted: true }))
            {
                Environment.ExitCode = ExitCode;
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
