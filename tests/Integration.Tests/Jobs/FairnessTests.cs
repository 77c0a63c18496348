using Platform.Testing;

namespace Platform.Integration.Tests.Jobs;

/// <summary>One executor slot per replica (2 in all), so users compete for slots and the dispatch order shows.</summary>
public sealed class ScarceSlotsFixture : JobsAppFixture
{
    protected override void Configure(PlatformAppOptions options)
    {
        options.ApiEnvironment["JobLimits__ExecutorSlotsPerReplica"] = "1";
        options.ApiEnvironment["JobLimits__QueuedPerUser"] = "10";
    }
}

[CollectionDefinition(Name)]
public sealed class ScarceSlotsCollection : ICollectionFixture<ScarceSlotsFixture>
{
    public const string Name = "Jobs engine (scarce executor slots)";
}

[Collection(ScarceSlotsCollection.Name)]
public sealed class FairnessTests(ScarceSlotsFixture fixture)
{
    [Fact]
    public async Task Another_users_first_job_starts_before_a_backlog_drains()
    {
        using var alice = await fixture.NewUserAsync();
        using var bob = await fixture.NewUserAsync();
        // Her jobs take 3 s, so her backlog cannot drain while the nine submissions are made, even on a loaded machine
        // (with 1 s jobs a CI-like load let five of hers start before Bob's job even existed).
        var aliceJobs = new List<Guid>();
        for (var i = 0; i < 8; i++)
        {
            aliceJobs.Add(await alice.SubmitAcceptedAsync(UserSession.DiagnosticJob(delayMs: 3000)));
        }
        var bobJob = await bob.SubmitAcceptedAsync(UserSession.DiagnosticJob(delayMs: 1000));

        foreach (var id in aliceJobs.Append(bobJob))
        {
            await alice.WaitForStateAsync(id, TimeSpan.FromSeconds(60), "completed");
        }
        var starts = await JobsDb.ListAsync(fixture.Database,
            "SELECT owner_id, started_at FROM jobs WHERE owner_id = ANY(@users) ORDER BY started_at",
            r => (Owner: r.GetString(0), StartedAt: r.GetFieldValue<DateTimeOffset>(1)), ("users", new[] { alice.Id, bob.Id }));

        // FIFO across users would start every one of Alice's queued jobs before Bob's. Round-robin gives Bob the next
        // free slot: measured from when his job arrived (not from a poll, which a loaded machine delays), at most one
        // of Alice's jobs per replica may start in between (claims already in flight), and most of her backlog after.
        var bobCreated = new DateTimeOffset(await JobsDb.ScalarAsync<DateTime>(fixture.Database, "SELECT created_at FROM jobs WHERE id = @id", ("id", bobJob)), TimeSpan.Zero);
        var bobPosition = starts.FindIndex(s => s.Owner == bob.Id);
        var aliceStartsWhileBobWaited = starts.Count(s => s.Owner == alice.Id && s.StartedAt > bobCreated && s.StartedAt < starts[bobPosition].StartedAt);
        var aliceStartsAfterBob = starts.Count(s => s.Owner == alice.Id && s.StartedAt > starts[bobPosition].StartedAt);
        Assert.InRange(aliceStartsWhileBobWaited, 0, 2);
        Assert.True(aliceStartsAfterBob >= 3, $"only {aliceStartsAfterBob} of Alice's jobs started after Bob's: her backlog went first");

        // Within Alice's jobs: FIFO.
        var aliceOrder = await JobsDb.ListAsync(fixture.Database,
            "SELECT id FROM jobs WHERE owner_id = @u ORDER BY started_at", r => r.GetGuid(0), ("u", alice.Id));
        Assert.Equal(aliceJobs, aliceOrder);
    }
}
