using System.Diagnostics;
using System.Net;
using Platform.Testing;

namespace Platform.Integration.Tests.Orchestration;

[Collection(PlatformCollection.Name)]
public sealed class SupervisionTests(PlatformFixture fixture) : DistributedAppTest(() => fixture.App)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_killed_api_replica_is_restarted_while_the_gateway_keeps_answering()
    {
        await fixture.AllHealthyAsync(_ct);
        var victim = fixture.App.Api[0];
        var survivor = fixture.App.Api[1];
        var restartsBefore = victim.RestartCount;
        var pidBefore = victim.Pid!.Value;

        await victim.KillAsync(_ct);
        Assert.False(ProcessProbe.IsRunning(pidBefore));

        // The gateway learns of the crash from its own probes (every second), not from the AppHost: within a few
        // intervals it takes the victim out of rotation. From then on, while the victim is down, every request is
        // answered, by the other replica.
        var noticed = Stopwatch.StartNew();
        while (!(await GatewayHealthAsync()).Contains("1/2 Api replicas healthy", StringComparison.Ordinal))
        {
            Assert.True(noticed.Elapsed < TimeSpan.FromSeconds(5), $"the gateway still routes to the killed replica after {noticed.Elapsed.TotalSeconds:0.0} s");
            await Task.Delay(50, _ct);
        }
        for (var i = 0; i < 10; i++)
        {
            using var response = await fixture.Gateway.GetAsync("/api/formats", _ct);
            Assert.True((int)response.StatusCode < 500, $"request {i} during the outage: {(int)response.StatusCode}");
            Assert.Equal(survivor.Name, Assert.Single(response.Headers.GetValues("X-Platform-Replica")));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        while (victim.RestartCount == restartsBefore)
        {
            await Task.Delay(100, timeout.Token);
        }
        await victim.WaitHealthyAsync(timeout.Token);
        // Aspire may still show the health of the previous run for a moment: the replica is back once it answers.
        using (var client = PlatformFixture.NewClient(victim.Url!))
        {
            while (await HealthStatusAsync(client, timeout.Token) != HttpStatusCode.OK)
            {
                await Task.Delay(200, timeout.Token);
            }
        }
        Assert.Equal(restartsBefore + 1, victim.RestartCount);
        Assert.NotNull(victim.Pid);
        Assert.NotEqual(pidBefore, victim.Pid);
        // 128 + SIGKILL, logged by the AppHost's crash restarter.
        Assert.Contains(fixture.App.AppHostLogLines(), line => line.Contains($"{victim.Name} crashed (exit code 137)", StringComparison.Ordinal));

        // Back in the gateway's rotation once healthy.
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            using var response = await fixture.Gateway.GetAsync("/api/formats", timeout.Token);
            if (response.Headers.GetValues("X-Platform-Replica").Single() == victim.Name)
            {
                break;
            }
            Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(30), "the gateway never routed to the restarted replica");
            await Task.Delay(100, timeout.Token);
        }
    }

    private static async Task<HttpStatusCode?> HealthStatusAsync(HttpClient client, CancellationToken ct)
    {
        try
        {
            using var health = await client.GetAsync("/health", ct);
            return health.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null; // not listening yet
        }
    }

    private async Task<string> GatewayHealthAsync()
    {
        using var health = await fixture.Gateway.GetAsync("/health", _ct);
        return await health.Content.ReadAsStringAsync(_ct);
    }
}
