using Platform.Fixtures;

namespace Platform.Integration.Tests.Model;

/// <summary>Model formats end to end: 2 Api replicas, the gateway, real Redis and PostgreSQL, the local model server.</summary>
[Collection(ModelJobsCollection.Name)]
public sealed class ModelFormatsJobTests(ModelJobsFixture fixture) : IDisposable
{
    private static readonly string[] ModelFormats = ["llm-summary", "llm-tasks", "llm-key-points", "llm-questions", "llm-custom"];
    private static readonly object Options = new Dictionary<string, object>
    {
        ["llm-custom"] = new { instruction = "Rewrite the notes as a short, polite email to the team." },
    };

    private readonly CancellationToken ct = TestContext.Current.CancellationToken;
    private TestModelServer Server => fixture.Server;

    public void Dispose()
    {
        Server.ThrottleNextCalls(0);
        Server.CutNextStreams(0);
    }

    [Fact]
    public async Task The_registry_offers_the_model_and_text_formats_when_an_endpoint_is_configured()
    {
        using var user = await fixture.NewUserAsync(ct);

        var formats = (await user.FormatsAsync(ct)).EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f);

        foreach (var name in ModelFormats)
        {
            Assert.True(formats.ContainsKey(name), $"{name} is not offered");
            Assert.Contains("model", formats[name].GetProperty("needs").EnumerateArray().Select(n => n.GetString()));
        }
        Assert.All(["summary", "keywords", "outline"], name => Assert.True(formats.ContainsKey(name), $"{name} is not offered"));
    }

    [Fact]
    public async Task A_job_survives_a_429_and_a_cut_stream_and_events_replayed_after_any_seq_reproduce_the_final_text()
    {
        Server.TokenDelay = TimeSpan.FromMilliseconds(20);
        Server.TokensPerAnswer = 40;
        Server.CutAfterTokens = 25; // 500 ms of streaming: at least two output batches reach the event log before the cut
        Server.ResetCounters();
        Server.ThrottleNextCalls(1);
        Server.CutNextStreams(1);
        using var user = await fixture.NewUserAsync(ct);

        var id = await user.SubmitTextJobAsync(Notes(), ModelFormats, Options, ct);
        var job = await user.WaitFinishedAsync(id, TimeSpan.FromMinutes(2), ct);

        Assert.Equal("completed", job.GetProperty("state").GetString());
        Assert.Contains(Server.Calls, c => c.Outcome == "throttled");
        Assert.Contains(Server.Calls, c => c.Outcome == "cut");

        var events = await user.EventsAfterAsync(id, 0, ct);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq)); // no gap, no duplicate
        var results = new Dictionary<string, string>();
        foreach (var format in ModelFormats)
        {
            var (contentType, text) = await user.ResultAsync(id, format, ct);
            Assert.StartsWith("text/markdown", contentType);
            Assert.Contains(Server.Calls, c => c.Outcome == "completed" && c.Answer == text);
            results[format] = text;
        }

        // A client that saw events up to seq N, then replays everything after N, ends with exactly the final text.
        var outputSeqs = events.Where(e => e.Type == "task.output").Select(e => e.Seq).ToList();
        var cuts = new long[] { 0, events.Count }.Concat(outputSeqs.Where((_, i) => i % Math.Max(1, outputSeqs.Count / 12) == 0));
        foreach (var n in cuts.Distinct())
        {
            var client = new StreamedText().Apply(events.Where(e => e.Seq <= n));
            client.Apply(await user.EventsAfterAsync(id, n, ct));
            foreach (var format in ModelFormats)
            {
                Assert.True(results[format] == client[format], $"after seq {n}, {format}: replayed text differs from the result");
            }
        }

        // The cut try's text was streamed and then reset: naive concatenation of every output would duplicate it.
        var retried = ModelFormats.Where(f => events.Count(e => e.Format == f && e.Type == "task.state" && e.Data.GetProperty("state").GetString() == "running") > 1).ToList();
        Assert.NotEmpty(retried);
        Assert.Contains(retried, f =>
            string.Concat(events.Where(e => e.Format == f && e.Type == "task.output").Select(e => e.Data.GetProperty("text").GetString())) != results[f]);
    }

    [Fact]
    public async Task Model_calls_from_jobs_on_both_replicas_are_never_more_than_three_in_flight()
    {
        Server.TokenDelay = TimeSpan.FromMilliseconds(10);
        Server.TokensPerAnswer = 40;
        Server.ResetCounters();
        using var alice = await fixture.NewUserAsync(ct);
        using var bob = await fixture.NewUserAsync(ct);

        var submitted = new List<(JobApiClient User, Guid Id)>();
        for (var i = 0; i < 3; i++)
        {
            submitted.Add((alice, await alice.SubmitTextJobAsync(Notes(), ModelFormats, Options, ct)));
            submitted.Add((bob, await bob.SubmitTextJobAsync(Notes(), ModelFormats, Options, ct)));
        }
        var instances = new HashSet<string>();
        foreach (var (user, id) in submitted)
        {
            var job = await user.WaitFinishedAsync(id, TimeSpan.FromMinutes(3), ct);
            Assert.Equal("completed", job.GetProperty("state").GetString());
            foreach (var e in await user.EventsAfterAsync(id, 0, ct))
            {
                if (e.Type == "job.state" && e.Data.TryGetProperty("instance", out var instance) && instance.GetString() is { } name)
                {
                    instances.Add(name);
                }
            }
        }

        Assert.Equal(30, Server.Calls.Count(c => c.Outcome == "completed"));
        Assert.True(Server.MaxInFlight <= 3, $"{Server.MaxInFlight} model calls were in flight at once");
        Assert.Equal(3, Server.MaxInFlight); // the cap was reached, so it was the cap that held the line
        Assert.True(instances.Count >= 2, $"the jobs ran on {string.Join(", ", instances)} only");
    }

    [Fact]
    public async Task A_jobs_formats_run_in_parallel_each_with_its_own_progress()
    {
        // Each model answer streams for 3 s, so the offline formats finish first even on a loaded machine.
        Server.TokenDelay = TimeSpan.FromMilliseconds(25);
        Server.TokensPerAnswer = 120;
        Server.ResetCounters();
        using var user = await fixture.NewUserAsync(ct);
        var notes = Notes();
        string[] formats = [.. ModelFormats, "summary", "keywords", "outline"];

        var id = await user.SubmitTextJobAsync(notes, formats, Options, ct);
        var job = await user.WaitFinishedAsync(id, TimeSpan.FromMinutes(2), ct);

        Assert.Equal("completed", job.GetProperty("state").GetString());
        Assert.All(job.GetProperty("tasks").EnumerateArray(), t => Assert.Equal("completed", t.GetProperty("state").GetString()));
        var calls = Server.Calls.Where(c => c.Conversation.Contains(notes, StringComparison.Ordinal)).ToList();
        Assert.Equal(ModelFormats.Length, calls.Count);
        Assert.Equal(3, MostAtOnce(calls)); // as many as the model cap allows, not one after another

        var events = await user.EventsAfterAsync(id, 0, ct);
        foreach (var format in ModelFormats)
        {
            Assert.Contains(events, e => e.Type == "task.progress" && e.Format == format);
            Assert.Contains(events, e => e.Type == "task.output" && e.Format == format);
        }
        // Offline formats finish while the model formats are still streaming: results arrive as each finishes.
        var firstModelResult = events.First(e => e.Type == "task.result" && ModelFormats.Contains(e.Format)).Seq;
        Assert.All(["summary", "keywords", "outline"], f => Assert.True(events.Single(e => e.Type == "task.result" && e.Format == f).Seq < firstModelResult));
    }

    /// <summary>The most calls open at the same moment (a sweep over start and end times; an end before a start at a tie).</summary>
    private static int MostAtOnce(IEnumerable<ModelCall> calls)
    {
        var running = 0;
        var most = 0;
        foreach (var (_, delta) in calls.SelectMany(c => new[] { (c.StartedAt, 1), (c.EndedAt, -1) }).OrderBy(e => e.Item1).ThenBy(e => e.Item2))
        {
            most = Math.Max(most, running += delta);
        }
        return most;
    }

    /// <summary>Notes unique per call, so the server's calls can be told apart by job.</summary>
    private static string Notes() =>
        $"""
        Kickoff {Guid.NewGuid():N}

        We met on Monday to plan the launch of the new billing service. Anna will own the database migration and Tom will
        write the customer emails. The payment provider has not confirmed the API limits yet.

        Next steps

        Anna sends the migration plan by Friday. Tom drafts the customer emails. Everyone reviews the design before Wednesday.
        """;
}
