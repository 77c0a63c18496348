using System.Net;
using Aspire.Hosting;

namespace Platform.Integration.Tests.Jobs;

/// <summary>
/// The AppHost's "Drain" command on one Api replica, as an operator uses it for a rolling restart: the replica
/// finishes the job it runs, claims nothing new (the next jobs run on the other replica), leaves the gateway's rotation,
/// then stops with exit code 0 and is not restarted; Start brings it back.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class DrainTests(JobsAppFixture fixture)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_drained_replica_finishes_its_job_takes_no_new_one_and_stops_cleanly_until_started()
    {
        await fixture.AllReplicasHealthyAsync();
        using var user = await fixture.NewUserAsync();
        var running = await user.SubmitAcceptedAsync(UserSession.DiagnosticJob(delayMs: 4000));
        await user.WaitForStateAsync(running, TimeSpan.FromSeconds(10), "running");
        var drained = fixture.Replica((await JobsDb.ScalarAsync<string>(fixture.Database, "SELECT owner_instance FROM jobs WHERE id = @id", ("id", running)))!);
        var other = fixture.OtherReplica(drained.Name);
        var restartsBefore = drained.RestartCount;

        var result = await fixture.App.Application.ResourceCommands.ExecuteCommandAsync(drained.Name, "drain", _ct);
        Assert.True(result.Success, result.Message);

        // Jobs submitted while it drains all run on the other replica.
        var later = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            later.Add(await user.SubmitAcceptedAsync(UserSession.DiagnosticJob(delayMs: 200)));
        }
        // The gateway stops routing to it once its /health says "draining".
        using (var probe = new HttpClient { BaseAddress = drained.Url })
        using (var health = await probe.GetAsync("/health", _ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Contains("draining", await health.Content.ReadAsStringAsync(_ct));
        }

        // Its own job finishes there, on the same attempt: nothing was handed back or re-run.
        Assert.Equal("completed", await user.WaitForStateAsync(running, TimeSpan.FromSeconds(30), "completed", "failed", "partial"));
        Assert.Equal(1, await JobsDb.ScalarAsync<int>(fixture.Database, "SELECT attempt FROM jobs WHERE id = @id", ("id", running)));
        Assert.Equal(drained.Name, await JobsDb.ScalarAsync<string>(fixture.Database, "SELECT owner_instance FROM jobs WHERE id = @id", ("id", running)));
        foreach (var id in later)
        {
            Assert.Equal("completed", await user.WaitForStateAsync(id, TimeSpan.FromSeconds(30), "completed", "failed", "partial"));
            Assert.Equal(other.Name, await JobsDb.ScalarAsync<string>(fixture.Database, "SELECT owner_instance FROM jobs WHERE id = @id", ("id", id)));
        }

        // Then it stops by itself, exit code 0, and stays stopped (no crash restart).
        await drained.WaitUntilAsync(r => r.State == Platform.Testing.AppResourceState.Exited, TimeSpan.FromSeconds(30), _ct);
        Assert.Equal(0, drained.Snapshot.ExitCode);
        await Task.Delay(JobsAppFixture.RestartDelay + TimeSpan.FromSeconds(2), _ct);
        Assert.Equal(Platform.Testing.AppResourceState.Exited, drained.State);
        Assert.Equal(restartsBefore, drained.RestartCount);

        await drained.StartAsync(_ct);
        await drained.WaitHealthyAsync(_ct);
    }
}
