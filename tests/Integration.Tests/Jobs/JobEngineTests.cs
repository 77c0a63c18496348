using Platform.Testing;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.Integration.Tests.Jobs;

/// <summary>Issue 3's "Done when", against the real distributed app: 2 Api replicas, Redis, PostgreSQL.</summary>
[Collection(JobsCollection.Name)]
public sealed class JobEngineTests(JobsAppFixture fixture)
{
    private static readonly TimeSpan TwoLeases = JobsAppFixture.LeaseDuration * 2;

    [Fact]
    public async Task Twenty_concurrent_submits_accept_eight_and_never_run_more_than_three()
    {
        using var user = await fixture.NewUserAsync();
        await using var monitor = new JobsDb.RunningMonitor(fixture.Database, user.Id);

        // Each job runs 5 s, so none finishes (and frees a slot) while the 20 submits are still arriving on a loaded machine.
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => user.SubmitAsync(UserSession.DiagnosticJob(delayMs: 5000))));

        Assert.Equal(8, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(12, refused.Count);
        foreach (var response in refused)
        {
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            Assert.Equal(3, problem.GetProperty("runningLimit").GetInt32());
            Assert.Equal(5, problem.GetProperty("queuedLimit").GetInt32());
            Assert.Equal(8, problem.GetProperty("running").GetInt32() + problem.GetProperty("queued").GetInt32());
        }

        var accepted = await Task.WhenAll(responses.Where(r => r.StatusCode == HttpStatusCode.Accepted)
            .Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid()));
        foreach (var id in accepted)
        {
            Assert.Equal("completed", await user.WaitForStateAsync(id, TimeSpan.FromSeconds(60), "completed", "failed", "partial"));
        }
        await monitor.DisposeAsync();
        Assert.True(monitor.Samples > 20, $"only {monitor.Samples} samples");
        Assert.Equal(3, monitor.Max);
    }

    [Fact]
    public async Task Killing_the_executing_replica_reruns_the_job_once_on_the_other_within_two_leases()
    {
        await fixture.AllReplicasHealthyAsync();
        using var user = await fixture.NewUserAsync();
        var id = await user.SubmitAcceptedAsync(UserSession.DiagnosticJob(delayMs: 4000, moreFormats: "text-stats"));
        await user.WaitForStateAsync(id, TimeSpan.FromSeconds(10), "running");
        var victim = (await JobsDb.ScalarAsync<string>(fixture.Database, "SELECT owner_instance FROM jobs WHERE id = @id", ("id", id)))!;
        await Task.Delay(500, TestContext.Current.CancellationToken);

        var killedAt = DateTimeOffset.UtcNow;
        await fixture.Replica(victim).KillAsync(TestContext.Current.CancellationToken);

        Assert.Equal("completed", await user.WaitForStateAsync(id, TimeSpan.FromSeconds(30), "completed", "failed", "partial"));
        var events = await EventsFromDbAsync(id);
        var claims = events.Where(e => e.Type == "job.state" && e.Data.GetProperty("state").GetString() == "running").ToList();
        Assert.Equal(2, claims.Count);
        Assert.Equal(victim, claims[0].Data.GetProperty("instance").GetString());
        Assert.NotEqual(victim, claims[1].Data.GetProperty("instance").GetString());
        Assert.True(claims[1].At - killedAt < TwoLeases, $"re-run started {claims[1].At - killedAt} after the kill");
        Assert.Single(events, e => e.Type == "job.state" && e.Data.GetProperty("state").GetString() == "completed");
        Assert.Equal(2L, await JobsDb.ScalarAsync<long>(fixture.Database, "SELECT count(*) FROM artifacts WHERE job_id = @id", ("id", id)));
        Assert.Equal(2, (await JobsDb.ScalarAsync<int>(fixture.Database, "SELECT attempt FROM jobs WHERE id = @id", ("id", id))));
        AssertGapless(events);
        await fixture.AllReplicasHealthyAsync();
    }

    [Fact]
    public async Task A_replica_stopped_gracefully_with_a_hub_client_connected_hands_its_job_back_at_once()
    {
        await fixture.AllReplicasHealthyAsync();
        var ct = TestContext.Current.CancellationToken;
        using var user = await fixture.NewUserAsync();
        var id = await user.SubmitAcceptedAsync(UserSession.DiagnosticJob(delayMs: 20_000));
        await user.WaitForStateAsync(id, TimeSpan.FromSeconds(10), "running");
        var victim = (await JobsDb.ScalarAsync<string>(fixture.Database, "SELECT owner_instance FROM jobs WHERE id = @id", ("id", id)))!;
        // A live page of the user's, connected to that replica, as during an operator's rolling restart: whatever the web
        // server's graceful stop waits for, the job is handed back when the stop begins (well before the host's 30 s
        // shutdown timeout), not after the server is done.
        await using var hub = await Live.LiveJobClient.ConnectAsync("watcher", fixture.Replica(victim).Url!, user.Cookies, ct);
        await hub.SubscribeAsync(id, ct);

        var restart = fixture.Replica(victim).GracefulRestartAsync(ct);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (await JobsDb.ScalarAsync<string>(fixture.Database, "SELECT owner_instance FROM jobs WHERE id = @id", ("id", id)) == victim)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the stopping replica did not hand its job back within 20 s");
            await Task.Delay(50, ct);
        }
        var handedBack = clock.Elapsed;
        await restart;
        var events = await EventsFromDbAsync(id);
        Assert.Contains(events, e => e.Type == "job.state" && e.Data.GetProperty("state").GetString() == "queued" && e.Seq > 1);
        Assert.True(handedBack < TimeSpan.FromSeconds(15), $"handed back {handedBack.TotalSeconds:F1} s after SIGTERM");
        await fixture.AllReplicasHealthyAsync();
    }

    [Fact]
    public async Task A_replica_paused_beyond_its_lease_has_its_late_writes_rejected()
    {
        await fixture.AllReplicasHealthyAsync();
        using var user = await fixture.NewUserAsync();
        var id = await user.SubmitAcceptedAsync(UserSession.DiagnosticJob(delayMs: 5000));
        await user.WaitForStateAsync(id, TimeSpan.FromSeconds(10), "running");
        var paused = fixture.Replica((await JobsDb.ScalarAsync<string>(fixture.Database, "SELECT owner_instance FROM jobs WHERE id = @id", ("id", id)))!);
        var rejectionsBefore = await FencingRejectionsAsync(paused);

        await paused.PauseAsync(TestContext.Current.CancellationToken);
        try
        {
            // Rescued and claimed again by the other replica while this one sleeps (it sleeps until then; the bound is
            // generous because the other lane of ./test may be running Chromium on the same two cores).
            var deadline = DateTime.UtcNow + TwoLeases + TimeSpan.FromSeconds(12);
            while (await JobsDb.ScalarAsync<string>(fixture.Database, "SELECT owner_instance FROM jobs WHERE id = @id", ("id", id)) == paused.Name
                   || await JobsDb.ScalarAsync<string>(fixture.Database, "SELECT state FROM jobs WHERE id = @id", ("id", id)) != "running")
            {
                Assert.True(DateTime.UtcNow < deadline, "the job was not taken over while its executor was paused");
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }
        finally
        {
            await paused.ResumeAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal("completed", await user.WaitForStateAsync(id, TimeSpan.FromSeconds(30), "completed", "failed", "partial"));
        // The woken executor tried to renew (and write) with its old epoch: rejected, counted, nothing stored.
        var deadlineForMetric = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await FencingRejectionsAsync(paused) <= rejectionsBefore)
        {
            Assert.True(DateTime.UtcNow < deadlineForMetric, "the paused replica never reported a fencing rejection");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        var events = await EventsFromDbAsync(id);
        var rescueSeq = events.First(e => e.Type == "job.state" && e.Data.GetProperty("state").GetString() == "queued" && e.Seq > 1).Seq;
        var pausedWritesAfterRescue = events.Where(e => e.Seq > rescueSeq && e.Type == "job.state"
            && e.Data.TryGetProperty("instance", out var instance) && instance.GetString() == paused.Name);
        Assert.Empty(pausedWritesAfterRescue);
        Assert.Single(events, e => e.Type == "job.state" && e.Data.GetProperty("state").GetString() == "completed");
        Assert.Single(events, e => e.Type == "task.result");
        AssertGapless(events);
    }

    [Fact]
    public async Task Redis_restarted_empty_mid_run_jobs_still_finish_and_limits_hold()
    {
        await fixture.AllReplicasHealthyAsync();
        using var user = await fixture.NewUserAsync();
        await using var monitor = new JobsDb.RunningMonitor(fixture.Database, user.Id);
        var ids = new List<Guid>();
        for (var i = 0; i < 8; i++)
        {
            ids.Add(await user.SubmitAcceptedAsync(UserSession.DiagnosticJob(delayMs: 2000)));
        }
        await user.WaitForStateAsync(ids[0], TimeSpan.FromSeconds(10), "running");

        // Through the resource commands, as an operator would in the dashboard; Redis runs without persistence, so it
        // comes back empty: every lease, semaphore and heartbeat is gone.
        await fixture.App.Redis.StopAsync(TestContext.Current.CancellationToken);
        await fixture.App.Redis.StartAsync(TestContext.Current.CancellationToken);
        using (var healthy = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            healthy.CancelAfter(TimeSpan.FromSeconds(30));
            await fixture.App.Redis.WaitHealthyAsync(healthy.Token);
        }

        foreach (var id in ids)
        {
            Assert.Equal("completed", await user.WaitForStateAsync(id, TimeSpan.FromSeconds(60), "completed", "failed", "partial"));
        }
        await monitor.DisposeAsync();
        Assert.InRange(monitor.Max, 1, 3);
    }

    [Fact]
    public async Task Cancelling_a_running_job_through_the_other_replica_ends_it_within_a_second()
    {
        await fixture.AllReplicasHealthyAsync();
        using var user = await fixture.NewUserAsync();
        var id = await user.SubmitAcceptedAsync(UserSession.DiagnosticJob(delayMs: 20_000));
        await user.WaitForStateAsync(id, TimeSpan.FromSeconds(10), "running");
        var executing = (await JobsDb.ScalarAsync<string>(fixture.Database, "SELECT owner_instance FROM jobs WHERE id = @id", ("id", id)))!;
        var other = fixture.OtherReplica(executing).Url!;

        var response = await user.Http.PostAsync(new Uri(other, $"/api/jobs/{id}/cancel"), null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var elapsed = Stopwatch.StartNew(); // from the cancel's acceptance by the replica that does not run the job
        Assert.Equal("cancelled", await user.WaitForStateAsync(id, TimeSpan.FromSeconds(5), "cancelled", "completed", "failed"));
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(1), $"cancelled after {elapsed.Elapsed}");

        var job = await user.GetJobAsync(id);
        Assert.Equal("cancelled", job.GetProperty("tasks")[0].GetProperty("state").GetString());
        var again = await user.Http.PostAsync($"/api/jobs/{id}/cancel", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Cancelling_a_queued_job_is_immediate()
    {
        using var user = await fixture.NewUserAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await user.SubmitAcceptedAsync(UserSession.DiagnosticJob(delayMs: 30_000)));
        }
        // The first three hold the user's running slots (on a loaded machine the dispatcher may take a moment to claim them
        // all); the fourth is then first in the user's queue.
        foreach (var id in ids.Take(3))
        {
            await user.WaitForStateAsync(id, TimeSpan.FromSeconds(20), "running");
        }
        var queued = (await user.GetJobAsync(ids[3]));
        Assert.Equal("queued", queued.GetProperty("state").GetString());
        Assert.Equal(1, queued.GetProperty("queuePosition").GetInt32());

        var response = await user.Http.PostAsync($"/api/jobs/{ids[3]}/cancel", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("cancelled", (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("state").GetString());
        foreach (var id in ids.Take(3))
        {
            await user.Http.PostAsync($"/api/jobs/{id}/cancel", null, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_task_failing_transiently_twice_then_succeeding_completes_with_its_attempts_recorded()
    {
        using var user = await fixture.NewUserAsync();
        var id = await user.SubmitAcceptedAsync(UserSession.DiagnosticJob(delayMs: 100, transientFailures: 2));
        Assert.Equal("completed", await user.WaitForStateAsync(id, TimeSpan.FromSeconds(30), "completed", "failed", "partial"));

        var task = (await user.GetJobAsync(id)).GetProperty("tasks")[0];
        Assert.Equal("completed", task.GetProperty("state").GetString());
        Assert.Equal(3, task.GetProperty("attempts").GetInt32());
        var tries = (await user.EventsAsync(id))
            .Where(e => e.GetProperty("type").GetString() == "task.state" && e.GetProperty("data").GetProperty("state").GetString() == "running")
            .Select(e => e.GetProperty("data").GetProperty("attempts").GetInt32());
        Assert.Equal([1, 2, 3], tries);
    }

    [Fact]
    public async Task A_permanent_failure_is_not_retried_and_other_tasks_still_finish()
    {
        using var user = await fixture.NewUserAsync();
        var id = await user.SubmitAcceptedAsync(UserSession.DiagnosticJob(delayMs: 100, permanentFailure: true, moreFormats: "text-stats"));
        Assert.Equal("partial", await user.WaitForStateAsync(id, TimeSpan.FromSeconds(30), "completed", "failed", "partial"));

        var tasks = (await user.GetJobAsync(id)).GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("format").GetString()!);
        Assert.Equal("failed", tasks["diagnostic"].GetProperty("state").GetString());
        Assert.Equal(1, tasks["diagnostic"].GetProperty("attempts").GetInt32());
        Assert.Contains("permanent", tasks["diagnostic"].GetProperty("error").GetString());
        Assert.Equal("completed", tasks["text-stats"].GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_job_whose_last_task_completes_ends_in_the_same_write_with_the_events_in_cause_order()
    {
        using var user = await fixture.NewUserAsync();
        var completed = await user.SubmitAcceptedAsync(UserSession.DiagnosticJob(delayMs: 300, moreFormats: "text-stats"));
        var partial = await user.SubmitAcceptedAsync(UserSession.DiagnosticJob(delayMs: 300, permanentFailure: true, moreFormats: "text-stats"));
        Assert.Equal("completed", await user.WaitForStateAsync(completed, TimeSpan.FromSeconds(30), "completed", "failed", "partial"));
        Assert.Equal("partial", await user.WaitForStateAsync(partial, TimeSpan.FromSeconds(30), "completed", "failed", "partial"));

        // The last task to complete ends the job with it: its result, its state and the job's state are the last three
        // events, appended by one write (one batch: the same timestamp on all three).
        var events = await EventsFromDbAsync(completed);
        AssertGapless(events);
        var last = events[^3..];
        Assert.Equal(["task.result", "task.state", "job.state"], last.Select(e => e.Type));
        Assert.Contains(last[0].Data.GetProperty("format").GetString(), new[] { "diagnostic", "text-stats" });
        Assert.Equal(last[0].Data.GetProperty("format").GetString(), last[1].Data.GetProperty("format").GetString());
        Assert.Equal("completed", last[1].Data.GetProperty("state").GetString());
        Assert.Equal("completed", last[2].Data.GetProperty("state").GetString());
        Assert.Single(last.Select(e => e.At).Distinct());
        var row = await JobsDb.ListAsync(fixture.Database,
            "SELECT finished_at IS NOT NULL, lease_expires_at IS NULL, (SELECT count(*) FROM artifacts WHERE job_id = @id), " +
            "(SELECT count(*) FROM tasks WHERE job_id = @id AND state = 'completed' AND finished_at IS NOT NULL) FROM jobs WHERE id = @id",
            r => (Finished: r.GetBoolean(0), LeaseCleared: r.GetBoolean(1), Artifacts: r.GetInt64(2), TasksDone: r.GetInt64(3)), ("id", completed));
        Assert.Equal((true, true, 2L, 2L), row.Single());

        // A job with a failed task keeps the separate final write: its end is an event of its own, after the last task's.
        var partialEvents = await EventsFromDbAsync(partial);
        AssertGapless(partialEvents);
        Assert.Equal("job.state", partialEvents[^1].Type);
        Assert.Equal("partial", partialEvents[^1].Data.GetProperty("state").GetString());
        Assert.NotEqual(partialEvents[^2].At, partialEvents[^1].At);
    }

    [Fact]
    public async Task An_idempotency_key_returns_the_first_job_and_refuses_another_body()
    {
        using var user = await fixture.NewUserAsync();
        var body = UserSession.TextJob("Idempotent text.", ["text-stats"]);
        var first = await user.SubmitAsync(body, idempotencyKey: "key-1");
        var second = await user.SubmitAsync(body, idempotencyKey: "key-1");
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(first.Headers.Location, second.Headers.Location);

        var before = await JobCountAsync();
        var conflict = await user.SubmitAsync(UserSession.TextJob("Another text.", ["text-stats"]), idempotencyKey: "key-1");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, conflict.StatusCode);
        Assert.Equal(before, await JobCountAsync());
    }

    [Fact]
    public async Task Bad_input_gets_the_documented_4xx_and_stores_nothing()
    {
        using var user = await fixture.NewUserAsync();
        var before = await JobCountAsync();
        var cases = new (string Name, HttpContent Body, HttpStatusCode Expected, string? Field)[]
        {
            ("malformed JSON", Json("{\"source\": {\"text\": \"x\"}, \"formats\": [\"text-stats\""), HttpStatusCode.BadRequest, null),
            ("not JSON", new StringContent("text=hello", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"), HttpStatusCode.UnsupportedMediaType, null),
            ("empty format list", JsonContent.Create(UserSession.TextJob("x", [])), HttpStatusCode.BadRequest, "formats"),
            ("unknown format", JsonContent.Create(UserSession.TextJob("x", ["mp3"])), HttpStatusCode.BadRequest, "formats[0]"),
            ("capture format on text", JsonContent.Create(UserSession.TextJob("x", ["screenshot"])), HttpStatusCode.BadRequest, "formats[0]"),
            ("no source", JsonContent.Create(new { formats = new[] { "text-stats" } }), HttpStatusCode.BadRequest, "source"),
            ("both sources", JsonContent.Create(new { source = new { url = "https://example.com", text = "x" }, formats = new[] { "text-stats" } }), HttpStatusCode.BadRequest, "source"),
            ("file: scheme", UrlJob("file:///etc/passwd"), HttpStatusCode.BadRequest, "source.url"),
            ("javascript: scheme", UrlJob("javascript:alert(1)"), HttpStatusCode.BadRequest, "source.url"),
            ("data: scheme", UrlJob("data:text/html,<b>hi</b>"), HttpStatusCode.BadRequest, "source.url"),
            ("loopback", UrlJob("http://127.0.0.1:8080/"), HttpStatusCode.BadRequest, "source.url"),
            ("localhost", UrlJob("http://localhost/"), HttpStatusCode.BadRequest, "source.url"),
            ("IPv6 loopback", UrlJob("http://[::1]/"), HttpStatusCode.BadRequest, "source.url"),
            ("private network", UrlJob("http://192.168.0.10/"), HttpStatusCode.BadRequest, "source.url"),
            ("link-local metadata", UrlJob("http://169.254.169.254/latest/meta-data/"), HttpStatusCode.BadRequest, "source.url"),
            ("IPv6 unique local metadata", UrlJob("http://[fd00:ec2::254]/"), HttpStatusCode.BadRequest, "source.url"),
            ("oversized text", JsonContent.Create(UserSession.TextJob(new string('a', 10_001), ["text-stats"])), HttpStatusCode.BadRequest, "source.text"),
            ("oversized body", JsonContent.Create(UserSession.TextJob(new string('a', 70_000), ["text-stats"])), HttpStatusCode.RequestEntityTooLarge, null),
            ("options not an object", JsonContent.Create(new { source = new { text = "x" }, formats = new[] { "text-stats" }, options = 5 }), HttpStatusCode.BadRequest, "options"),
        };

        foreach (var (name, body, expected, field) in cases)
        {
            var response = await user.Http.PostAsync("/api/jobs", body, TestContext.Current.CancellationToken);
            Assert.True(expected == response.StatusCode, $"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            if (field is not null)
            {
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
                Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{name}: no error for {field} in {problem}");
            }
        }

        var batch = await user.Http.PostAsJsonAsync("/api/jobs/batch",
            new { urls = Enumerable.Range(0, 6).Select(i => $"https://example.com/{i}"), formats = new[] { "markdown" } }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, batch.StatusCode);
        var reused = await user.SubmitAsync(UserSession.TextJob("x", ["text-stats"]), idempotencyKey: new string('k', 500));
        Assert.Equal(HttpStatusCode.BadRequest, reused.StatusCode);

        Assert.Equal(before, await JobCountAsync());

        static HttpContent Json(string raw) => new StringContent(raw, System.Text.Encoding.UTF8, "application/json");
        static HttpContent UrlJob(string url) => JsonContent.Create(new { source = new { url }, formats = new[] { "markdown" } });
    }

    [Fact]
    public async Task Anonymous_callers_get_401_and_other_users_jobs_do_not_exist()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.App.GatewayUrl };
        foreach (var path in new[] { "/api/jobs", "/api/me/usage", "/api/account/me", $"/api/jobs/{Guid.NewGuid()}" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path, TestContext.Current.CancellationToken)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await anonymous.PostAsJsonAsync("/api/jobs", UserSession.TextJob("x", ["text-stats"]), TestContext.Current.CancellationToken)).StatusCode);

        using var alice = await fixture.NewUserAsync();
        using var bob = await fixture.NewUserAsync();
        var id = await alice.SubmitAcceptedAsync(UserSession.TextJob("Alice's private text.", ["text-stats"]));
        await alice.WaitForStateAsync(id, TimeSpan.FromSeconds(20), "completed");
        Assert.Equal(HttpStatusCode.OK, (await alice.Http.GetAsync($"/api/jobs/{id}/tasks/text-stats/result", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Contains(id.ToString(), await alice.Http.GetStringAsync("/api/jobs?search=PRIVATE%20text&state=completed", TestContext.Current.CancellationToken));
        Assert.DoesNotContain(id.ToString(), await alice.Http.GetStringAsync("/api/jobs?search=100%25", TestContext.Current.CancellationToken));

        var attempts = new Func<Task<HttpResponseMessage>>[]
        {
            () => bob.Http.GetAsync($"/api/jobs/{id}"),
            () => bob.Http.GetAsync($"/api/jobs/{id}/events?after=0"),
            () => bob.Http.GetAsync($"/api/jobs/{id}/tasks/text-stats/result"),
            () => bob.Http.PostAsync($"/api/jobs/{id}/cancel", null),
            () => bob.Http.PostAsync($"/api/jobs/{id}/retry", null),
            () => bob.Http.DeleteAsync($"/api/jobs/{id}"),
        };
        foreach (var attempt in attempts)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await attempt()).StatusCode);
        }
        Assert.DoesNotContain(id.ToString(), await bob.Http.GetStringAsync("/api/jobs", TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.Http.GetAsync("/api/ops/queue", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task A_cookie_from_one_replica_works_on_the_other_and_admins_see_operations()
    {
        await fixture.AllReplicasHealthyAsync();
        using var admin = await fixture.AdminAsync();
        foreach (var replica in fixture.App.Api)
        {
            var me = await admin.Http.GetFromJsonAsync<JsonElement>(new Uri(replica.Url!, "/api/account/me"), TestContext.Current.CancellationToken);
            Assert.Contains("admin", me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        }
        var instances = await admin.Http.GetFromJsonAsync<JsonElement>("/api/ops/instances", TestContext.Current.CancellationToken);
        Assert.Equal(fixture.App.Api.Select(r => r.Name).Order(StringComparer.Ordinal),
            instances.EnumerateArray().Select(i => i.GetProperty("instance").GetString()!).Order(StringComparer.Ordinal));
        var queue = await admin.Http.GetFromJsonAsync<JsonElement>("/api/ops/queue", TestContext.Current.CancellationToken);
        Assert.True(queue.TryGetProperty("queued", out _));
    }

    [Fact]
    public async Task Retry_and_delete_work_on_finished_jobs_only()
    {
        using var user = await fixture.NewUserAsync();
        var id = await user.SubmitAcceptedAsync(UserSession.DiagnosticJob(delayMs: 100, permanentFailure: true));
        Assert.Equal("failed", await user.WaitForStateAsync(id, TimeSpan.FromSeconds(20), "failed"));

        var retry = await user.Http.PostAsync($"/api/jobs/{id}/retry", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var job = await retry.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(2, job.GetProperty("attempt").GetInt32());
        Assert.Equal("failed", await user.WaitForStateAsync(id, TimeSpan.FromSeconds(20), "failed"));

        Assert.Equal(HttpStatusCode.NoContent, (await user.Http.DeleteAsync($"/api/jobs/{id}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.Http.GetAsync($"/api/jobs/{id}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(0L, await JobsDb.ScalarAsync<long>(fixture.Database, "SELECT count(*) FROM events WHERE job_id = @id", ("id", id)));

        var running = await user.SubmitAcceptedAsync(UserSession.DiagnosticJob(delayMs: 5000));
        await user.WaitForStateAsync(running, TimeSpan.FromSeconds(10), "running");
        Assert.Equal(HttpStatusCode.Conflict, (await user.Http.DeleteAsync($"/api/jobs/{running}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await user.Http.PostAsync($"/api/jobs/{running}/retry", null, TestContext.Current.CancellationToken)).StatusCode);
        await user.Http.PostAsync($"/api/jobs/{running}/cancel", null, TestContext.Current.CancellationToken);
    }

    private sealed record StoredEvent(long Seq, string Type, DateTimeOffset At, JsonElement Data);

    private Task<List<StoredEvent>> EventsFromDbAsync(Guid id) =>
        JobsDb.ListAsync(fixture.Database, "SELECT seq, type, at, data::text FROM events WHERE job_id = @id ORDER BY seq",
            r => new StoredEvent(r.GetInt64(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), JsonDocument.Parse(r.GetString(3)).RootElement),
            ("id", id));

    private static void AssertGapless(List<StoredEvent> events) =>
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));

    private Task<long> JobCountAsync() => JobsDb.ScalarAsync<long>(fixture.Database, "SELECT count(*) FROM jobs");

    private static async Task<double> FencingRejectionsAsync(Platform.Testing.AppResource replica)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var metrics = await http.GetStringAsync(new Uri(replica.Url!, "/metrics"));
        return metrics.Split('\n')
            .Where(line => line.StartsWith("platform_jobs_fencing_rejections", StringComparison.Ordinal))
            .Sum(line =>
            {
                // "name{labels} value [timestamp]"
                var afterName = line.Contains('}') ? line[(line.IndexOf('}') + 1)..] : line[line.IndexOf(' ')..];
                return double.Parse(afterName.Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            });
    }
}
