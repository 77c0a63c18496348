using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Platform.Api.Tests.Infrastructure;

/// <summary>A background service that fails stops its host with exit code 1; a clean stop leaves the exit code alone.</summary>
[Collection(nameof(ProcessExitCode))]
public sealed class FailedServiceExitCodeTests
{
    [Fact]
    public async Task A_background_service_that_throws_stops_the_host_with_a_failure_exit_code()
    {
        var exitCode = await RunHostAsync(_ => new Failing());

        Assert.Equal(FailedServiceExitCode.ExitCode, exitCode);
    }

    [Fact]
    public async Task A_host_stopped_on_request_keeps_a_success_exit_code()
    {
        var exitCode = await RunHostAsync(sp => new StopsItsHost(sp.GetRequiredService<IHostApplicationLifetime>()));

        Assert.Equal(0, exitCode);
    }

    /// <summary>Runs a host with the given service until it stops; returns the exit code the process would end with.</summary>
    private static async Task<int> RunHostAsync(Func<IServiceProvider, BackgroundService> service)
    {
        var before = Environment.ExitCode;
        Environment.ExitCode = 0;
        try
        {
            var builder = Host.CreateApplicationBuilder();
            FailedServiceExitCode.AddTo(builder.Services);
            builder.Services.AddSingleton<IHostedService>(service);
            using var host = builder.Build();
            await host.RunAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            return Environment.ExitCode;
        }
        finally
        {
            Environment.ExitCode = before;
        }
    }

    private sealed class Failing : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(50, stoppingToken); // past start-up: a failure while running, not while starting
            throw new InvalidOperationException("the dispatcher's loop broke");
        }
    }

    private sealed class StopsItsHost(IHostApplicationLifetime lifetime) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(50, stoppingToken);
            lifetime.StopApplication(); // as SIGTERM does: the loop then ends on its cancelled token
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
    }
}

/// <summary>Tests that set the process's exit code run one at a time.</summary>
[CollectionDefinition(nameof(ProcessExitCode), DisableParallelization = true)]
public sealed class ProcessExitCode;
