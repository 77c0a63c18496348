using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Platform.Integration.Tests.Live;

/// <summary>DESIGN "Events and live progress": gapless, resumable, multi-tab and cross-replica, for the owner only.</summary>
[Collection(LiveCollection.Name)]
public sealed class JobsHubTests(LiveFixture fixture)
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task ClientsOnEachReplicaAndTheGatewayReceiveTheSameGaplessSequenceFromExecutorsOnBothReplicas()
    {
        var ct = TestContext.Current.CancellationToken;
        await fixture.AllReplicasHealthyAsync(ct);
        using var user = await fixture.NewUserAsync(ct);
        await using var onApi0 = await LiveJobClient.ConnectAsync(fixture.App.Api[0].Name, fixture.App.Api[0].Url!, user.Cookies, ct);
        await using var onApi1 = await LiveJobClient.ConnectAsync(fixture.App.Api[1].Name, fixture.App.Api[1].Url!, user.Cookies, ct);
        await using var viaGateway = await LiveJobClient.ConnectAsync("gateway", fixture.App.GatewayUrl, user.Cookies, ct);
        LiveJobClient[] clients = [onApi0, onApi1, viaGateway];
        var skippedBefore = await fixture.EventsNotPushedLiveAsync(ct);

        // Four running jobs and two executor slots per replica: both replicas execute some.
        var jobs = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            jobs.Add(await user.SubmitDiagnosticJobAsync(delayMs: 3000, steps: 30, ct));
        }
        foreach (var client in clients)
        {
            foreach (var job in jobs)
            {
                await client.SubscribeAsync(job, ct);
            }
        }
        foreach (var client in clients)
        {
            foreach (var job in jobs)
            {
                await client.Stream(job).Finished.WaitAsync(JobTimeout, ct);
            }
        }

        // Overload may coalesce progress (the live stream then skips a seq, by design); only then may a client see a gap.
        await Task.Delay(TimeSpan.FromSeconds(1), ct); // the Prometheus exporter caches a scrape briefly
        var skipped = await fixture.EventsNotPushedLiveAsync(ct) - skippedBefore;
        var executors = new HashSet<string>();
        foreach (var job in jobs)
        {
            var log = await user.EventLogAsync(job, ct);
            Assert.True(log.Count > 30, $"job {job} has only {log.Count} events");
            executors.UnionWith(log
                .Where(e => e.GetProperty("type").GetString() == "job.state" && e.GetProperty("data").GetProperty("state").GetString() == "running")
                .Select(e => e.GetProperty("data").GetProperty("instance").GetString()!));
            foreach (var client in clients)
            {
                var stream = client.Stream(job);
                AssertSameEvents(log, stream, client.Name);
                // The live stream itself had no hole (nothing had to be fetched again) unless the servers skipped events.
                Assert.True(stream.Gaps == 0 || skipped > 0,
                    $"{client.Name} saw {stream.Gaps} gaps on job {job} with no event coalesced, dropped or failed: arrivals {string.Join(",", stream.LiveArrivals)}");
                Assert.Equal(0, stream.Snapshots);
            }
        }
        Assert.Equal(2, executors.Count);
    }

    [Fact]
    public async Task ClientOnAKilledReplicaReconnectsAndResumesFromItsLastSeqWithoutGapOrDuplicate()
    {
        var ct = TestContext.Current.CancellationToken;
        await fixture.AllReplicasHealthyAsync(ct);
        using var user = await fixture.NewUserAsync(ct);
        var replica = fixture.App.Api[0];
        await using var client = await LiveJobClient.ConnectAsync(replica.Name, replica.Url!, user.Cookies, ct);
        var job = await user.SubmitDiagnosticJobAsync(delayMs: 8000, steps: 80, ct);
        var stream = client.Stream(job);
        await client.SubscribeAsync(job, ct);
        await WaitUntilAsync(() => stream.LastSeq >= 10, TimeSpan.FromSeconds(60), ct);

        var seqAtCut = stream.LastSeq;
        await replica.KillAsync(ct);
        await stream.Finished.WaitAsync(JobTimeout, ct);

        Assert.True(client.Reconnects >= 1, "the client never reconnected");
        Assert.True(stream.Resubscribes >= 1, "the client never resubscribed");
        Assert.True(stream.LastSeq > seqAtCut);
        AssertSameEvents(await user.EventLogAsync(job, ct), stream, client.Name);
        Assert.Equal(0, stream.Snapshots);
    }

    [Fact]
    public async Task ClientWhoseReplicaStopsAnsweringReconnectsThroughTheGatewayAndResumesWithoutGapOrDuplicate()
    {
        var ct = TestContext.Current.CancellationToken;
        await fixture.AllReplicasHealthyAsync(ct);
        using var user = await fixture.NewUserAsync(ct);
        await using var client = await LiveJobClient.ConnectAsync("gateway", fixture.App.GatewayUrl, user.Cookies, ct);
        var replica = fixture.App.Api.Single(r => r.Name == client.Replica);
        var job = await user.SubmitDiagnosticJobAsync(delayMs: 8000, steps: 80, ct);
        var stream = client.Stream(job);
        await client.SubscribeAsync(job, ct);
        await WaitUntilAsync(() => stream.LastSeq >= 10, TimeSpan.FromSeconds(60), ct);

        // A network drop as the client sees it: its replica stops answering (SIGSTOP) for longer than the client's
        // 4 s server timeout. The client gives up on it and reconnects; the gateway sends it to the other replica.
        await replica.PauseAsync(ct);
        try
        {
            await WaitUntilAsync(() => client.Reconnects >= 1, TimeSpan.FromSeconds(60), ct);
            Assert.NotEqual(replica.Name, client.Replica);
        }
        finally
        {
            await replica.ResumeAsync(ct);
        }
        await stream.Finished.WaitAsync(JobTimeout, ct);

        Assert.True(stream.Resubscribes >= 1, "the client never resubscribed");
        AssertSameEvents(await user.EventLogAsync(job, ct), stream, client.Name);
        Assert.Equal(0, stream.Snapshots);
    }

    [Fact]
    public async Task SubscribingAfterTheJobFinishedReturnsItsWholeHistory()
    {
        var ct = TestContext.Current.CancellationToken;
        await fixture.AllReplicasHealthyAsync(ct);
        using var user = await fixture.NewUserAsync(ct);
        var job = await user.SubmitDiagnosticJobAsync(delayMs: 500, steps: 5, ct);
        await user.WaitFinishedAsync(job, JobTimeout, ct);
        await using var client = await LiveJobClient.ConnectAsync("gateway", fixture.App.GatewayUrl, user.Cookies, ct);

        var answer = await client.SubscribeAsync(job, ct);

        Assert.False(answer.TryGetProperty("snapshot", out _));
        var log = await user.EventLogAsync(job, ct);
        Assert.Equal(log.Count, answer.GetProperty("events").GetArrayLength());
        AssertSameEvents(log, client.Stream(job), client.Name);
        Assert.True(client.Stream(job).Finished.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task SubscribingWithALargeGapReturnsTheRestSnapshotAndASmallGapReturnsEvents()
    {
        var ct = TestContext.Current.CancellationToken;
        await fixture.AllReplicasHealthyAsync(ct);
        using var user = await fixture.NewUserAsync(ct);
        var job = await user.SubmitDiagnosticJobAsync(delayMs: 12000, steps: 1200, ct);
        var rest = await user.WaitFinishedAsync(job, JobTimeout, ct);
        var lastSeq = rest.GetProperty("seq").GetInt64();
        Assert.True(lastSeq > LiveFixture.SnapshotThreshold, $"the job has only {lastSeq} events");
        await using var client = await LiveJobClient.ConnectAsync("gateway", fixture.App.GatewayUrl, user.Cookies, ct);

        var fromStart = await client.Connection.InvokeAsync<JsonElement>("SubscribeJob", job, 0L, ct);
        var nearEnd = await client.Connection.InvokeAsync<JsonElement>("SubscribeJob", job, lastSeq - 3, ct);

        Assert.False(fromStart.TryGetProperty("events", out _));
        var snapshot = fromStart.GetProperty("snapshot");
        Assert.Equal(rest.GetProperty("id").GetGuid(), snapshot.GetProperty("id").GetGuid());
        Assert.Equal(lastSeq, snapshot.GetProperty("seq").GetInt64());
        Assert.Equal(rest.GetProperty("state").GetString(), snapshot.GetProperty("state").GetString());
        Assert.Equal(
            rest.GetProperty("tasks").EnumerateArray().Select(t => (t.GetProperty("format").GetString(), t.GetProperty("state").GetString())),
            snapshot.GetProperty("tasks").EnumerateArray().Select(t => (t.GetProperty("format").GetString(), t.GetProperty("state").GetString())));
        Assert.False(nearEnd.TryGetProperty("snapshot", out _));
        Assert.Equal([lastSeq - 2, lastSeq - 1, lastSeq], nearEnd.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task AnotherUserCannotSubscribeToAJobNorReceiveItsEvents()
    {
        var ct = TestContext.Current.CancellationToken;
        await fixture.AllReplicasHealthyAsync(ct);
        using var owner = await fixture.NewUserAsync(ct);
        using var stranger = await fixture.NewUserAsync(ct);
        await using var ownerClient = await LiveJobClient.ConnectAsync("owner", fixture.App.GatewayUrl, owner.Cookies, ct);
        await using var strangerClient = await LiveJobClient.ConnectAsync("stranger", fixture.App.GatewayUrl, stranger.Cookies, ct);
        var job = await owner.SubmitDiagnosticJobAsync(delayMs: 2000, steps: 20, ct);
        await ownerClient.SubscribeAsync(job, ct);

        var refused = await Assert.ThrowsAsync<HubException>(() => strangerClient.Connection.InvokeAsync<JsonElement>("SubscribeJob", job, 0L, ct));
        var unknown = await Assert.ThrowsAsync<HubException>(() => strangerClient.Connection.InvokeAsync<JsonElement>("SubscribeJob", Guid.NewGuid(), 0L, ct));
        await ownerClient.Stream(job).Finished.WaitAsync(JobTimeout, ct);

        Assert.Contains("not found", refused.Message);
        Assert.Equal(unknown.Message, refused.Message);
        Assert.Equal(0, strangerClient.EventsReceived);
        Assert.True(ownerClient.EventsReceived > 0);
    }

    [Fact]
    public async Task AConnectionWithoutTheCookieIsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        await fixture.AllReplicasHealthyAsync(ct);

        var refused = await Assert.ThrowsAsync<HttpRequestException>(
            () => LiveJobClient.ConnectAsync("anonymous", fixture.App.GatewayUrl, new CookieContainer(), ct));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task SubscribeUserReturnsUsageAndStreamsJobListChangesWithUsage()
    {
        var ct = TestContext.Current.CancellationToken;
        await fixture.AllReplicasHealthyAsync(ct);
        using var user = await fixture.NewUserAsync(ct);
        await using var client = await LiveJobClient.ConnectAsync("gateway", fixture.App.GatewayUrl, user.Cookies, ct);

        var usage = await client.SubscribeUserAsync(ct);
        var job = await user.SubmitDiagnosticJobAsync(delayMs: 500, steps: 5, ct);
        await user.WaitFinishedAsync(job, JobTimeout, ct);
        await WaitUntilAsync(() => client.UserEvents.Any(e => IsChange(e, job, "completed")), TimeSpan.FromSeconds(30), ct);
        await WaitUntilAsync(() => LastUsage(client)?.GetProperty("running").GetInt32() == 0, TimeSpan.FromSeconds(30), ct);

        Assert.Equal(0, usage.GetProperty("running").GetInt32());
        Assert.Equal(0, usage.GetProperty("queued").GetInt32());
        Assert.Equal(8, usage.GetProperty("runningLimit").GetInt32());
        Assert.Equal(20, usage.GetProperty("queuedLimit").GetInt32());
        var states = client.UserEvents.Where(e => IsChange(e, job, null)).Select(e => e.GetProperty("data").GetProperty("state").GetString()).ToList();
        Assert.Contains("running", states);
        Assert.Equal("completed", states[^1]);
        Assert.Contains(client.UserEvents, e => e.GetProperty("type").GetString() == "usage" && e.GetProperty("data").GetProperty("running").GetInt32() == 1);
        Assert.Equal(8, LastUsage(client)!.Value.GetProperty("runningLimit").GetInt32());

        static bool IsChange(JsonElement e, Guid job, string? state) =>
            e.GetProperty("type").GetString() == "job.changed"
            && e.GetProperty("data").GetProperty("id").GetGuid() == job
            && (state is null || e.GetProperty("data").GetProperty("state").GetString() == state);

        static JsonElement? LastUsage(LiveJobClient client) =>
            client.UserEvents.LastOrDefault(e => e.GetProperty("type").GetString() == "usage") is { ValueKind: JsonValueKind.Object } e ? e.GetProperty("data") : null;
    }

    /// <summary>The client holds exactly the stored log: seqs 1..N in order, each once, with the same type and data.</summary>
    private static void AssertSameEvents(IReadOnlyList<JsonElement> log, LiveJobStream stream, string client)
    {
        var expectedSeqs = Enumerable.Range(1, log.Count).Select(i => (long)i).ToList();
        Assert.Equal(expectedSeqs, log.Select(e => e.GetProperty("seq").GetInt64()));
        Assert.Equal(expectedSeqs, stream.AppliedSeqs);
        var applied = stream.Applied;
        for (var i = 0; i < log.Count; i++)
        {
            Assert.True(log[i].GetProperty("type").GetString() == applied[i].GetProperty("type").GetString()
                && Canonical(log[i].GetProperty("data")) == Canonical(applied[i].GetProperty("data"))
                && applied[i].GetProperty("jobId").GetGuid() == stream.JobId
                && (log[i].GetProperty("at").GetDateTimeOffset() - applied[i].GetProperty("at").GetDateTimeOffset()).Duration() < TimeSpan.FromMilliseconds(1),
                $"{client}: event {i + 1} differs: stored {log[i]} vs received {applied[i]}");
        }
    }

    /// <summary>PostgreSQL's jsonb reorders keys: compare data with keys sorted.</summary>
    private static string Canonical(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => JsonSerializer.Serialize(p.Name) + ":" + Canonical(p.Value))) + "}",
        JsonValueKind.Array => "[" + string.Join(",", element.EnumerateArray().Select(Canonical)) + "]",
        JsonValueKind.Number => element.GetDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => element.GetRawText(),
    };

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        while (!condition())
        {
            await Task.Delay(50, deadline.Token);
        }
    }
}
