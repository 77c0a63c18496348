using System.Net;
using System.Net.Http.Json;
using System.Text;
using Platform.Integration.Tests.Jobs;

namespace Platform.Integration.Tests.Robustness;

/// <summary>
/// DESIGN "Bad input", black-box through the gateway (issue 13): malformed, hostile and out-of-bounds submissions and
/// cross-user reads each get a 4xx problem-details answer, and nothing of the user's is stored — no job, task, event,
/// artifact or idempotency record.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class BadInputMatrixTests(JobsAppFixture fixture)
{
    /// <summary>One request of the matrix; <paramref name="Signed"/> false sends it without the session cookie.</summary>
    private sealed record Case(string Name, HttpMethod Method, string Path, HttpContent? Body, string? IdempotencyKey = null, bool Signed = true);

    private static HttpContent Json(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    private static HttpContent Job(object body) => JsonContent.Create(body);

    private static object TextJob(string text, object formats, object? options = null) => new { source = new { text }, formats, options };

    private static object UrlJob(string url, object? options = null, string[]? formats = null) =>
        new { source = new { url }, formats = formats ?? ["markdown"], options };

    private static object Batch(string[] urls, object? options = null, string[]? formats = null) =>
        new { urls, formats = formats ?? ["markdown"], options };

    private static Case Submit(string name, HttpContent body, string? key = null) => new(name, HttpMethod.Post, "/api/jobs", body, key);

    private static Case SubmitBatch(string name, HttpContent body, string? key = null) => new(name, HttpMethod.Post, "/api/jobs/batch", body, key);

    private static IEnumerable<Case> Cases(Guid othersJob)
    {
        // Malformed bodies
        yield return Submit("truncated JSON", Json("""{"source": {"text": "x"}, "formats": ["""));
        yield return Submit("not JSON", Json("hello"));
        yield return Submit("empty body", Json(""));
        yield return Submit("JSON array", Json("[]"));
        yield return Submit("JSON string", Json("\"job\""));
        yield return Submit("text/plain body", new StringContent("""{"source": {"text": "x"}, "formats": ["text-stats"]}""", Encoding.UTF8, "text/plain"));
        yield return Submit("source is a number", Json("""{"source": 5, "formats": ["text-stats"]}"""));
        yield return Submit("formats is a string", Json("""{"source": {"text": "x"}, "formats": "text-stats"}"""));
        yield return Submit("formats are numbers", Json("""{"source": {"text": "x"}, "formats": [1, 2]}"""));
        yield return Submit("text is a number", Json("""{"source": {"text": 42}, "formats": ["text-stats"]}"""));
        yield return Submit("JSON nested 200 deep", Json("""{"source": {"text": "x"}, "formats": ["text-stats"], "options": {"a": """ + string.Concat(Enumerable.Repeat("[", 200)) + string.Concat(Enumerable.Repeat("]", 200)) + "}}"));
        yield return Submit("body over the size limit", Job(TextJob(new string('a', 70_000), new[] { "text-stats" })));
        yield return Submit("chunked body over the size limit", new ChunkedContent(Encoding.UTF8.GetBytes(Serialize(TextJob(new string('a', 70_000), new[] { "text-stats" })))));

        // Sources
        yield return Submit("no source", Job(new { formats = new[] { "text-stats" } }));
        yield return Submit("empty source", Job(new { source = new { }, formats = new[] { "text-stats" } }));
        yield return Submit("url and text", Job(new { source = new { url = "https://example.com/", text = "x" }, formats = new[] { "text-stats" } }));
        yield return Submit("empty text", Job(TextJob("", new[] { "text-stats" })));
        yield return Submit("whitespace text", Job(TextJob(" \n\t ", new[] { "text-stats" })));
        yield return Submit("text over the limit", Job(TextJob(new string('a', 10_001), new[] { "text-stats" })));

        // Formats
        yield return Submit("no formats", Job(new { source = new { text = "x" } }));
        yield return Submit("empty formats", Job(TextJob("x", Array.Empty<string>())));
        yield return Submit("unknown format", Job(TextJob("x", new[] { "mp3" })));
        yield return Submit("300 unknown formats", Job(TextJob("x", Enumerable.Range(0, 300).Select(i => $"f{i}").ToArray())));
        yield return Submit("null format", Job(TextJob("x", new string?[] { null })));
        yield return Submit("1000-character format name", Job(TextJob("x", new[] { new string('f', 1_000) })));
        yield return Submit("capture format for text", Job(TextJob("x", new[] { "screenshot" })));

        // URLs
        foreach (var url in new[]
        {
            "file:///etc/passwd", "javascript:alert(1)", "data:text/html,hi", "ftp://example.com/x", "not a url", "/relative/path",
            "https://", "http://user:pw@example.com/", "http://127.0.0.1/", "http://localhost:8080/", "http://10.0.0.1/",
            "http://172.16.5.4/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/",
            "http://[::1]/", "http://[fe80::1]/", "http://[fd00:ec2::254]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/",
            "http://2130706433/", "http://unresolvable.invalid/",
            "https://example.com/" + new string('a', 3_000),
            "https://example.com/" + new string('é', 2_000),
        })
        {
            yield return Submit($"url {Describe(url)}", Job(UrlJob(url)));
        }

        // Options
        yield return Submit("options is an array", Job(TextJob("x", new[] { "text-stats" }, new[] { 1 })));
        yield return Submit("options is a string", Json("""{"source": {"text": "x"}, "formats": ["text-stats"], "options": "fast"}"""));
        yield return Submit("options over 16 KB", Job(TextJob("x", new[] { "text-stats" }, new { note = new string('n', 17_000) })));
        yield return Submit("summary sentences 0", Job(TextJob("x", new[] { "summary" }, new { summary = new { sentences = 0 } })));
        yield return Submit("keywords count as text", Job(TextJob("x", new[] { "keywords" }, new { keywords = new { count = "ten" } })));
        yield return Submit("capture timeout as text", Job(UrlJob("https://93.184.215.14/", new { capture = new { timeoutMs = "soon" } })));
        yield return Submit("capture timeout too short", Job(UrlJob("https://93.184.215.14/", new { capture = new { timeoutMs = 1 } })));
        yield return Submit("capture wait unknown", Job(UrlJob("https://93.184.215.14/", new { capture = new { wait = "forever" } })));
        yield return Submit("capture wait for no selector", Job(UrlJob("https://93.184.215.14/", new { capture = new { wait = "selector" } })));
        yield return Submit("capture options an array", Job(UrlJob("https://93.184.215.14/", new { capture = new[] { 1 } })));
        yield return Submit("capture viewport 100k wide", Job(UrlJob("https://93.184.215.14/", new { capture = new { viewport = new { width = 100_000, height = 800 } } })));
        yield return Submit("capture unknown option", Job(UrlJob("https://93.184.215.14/", new { capture = new { zoom = 5 } })));

        // Idempotency-Key
        yield return Submit("key with spaces", Job(TextJob("x", new[] { "text-stats" })), "my key");
        yield return Submit("key over 200 characters", Job(TextJob("x", new[] { "text-stats" })), new string('k', 201));
        yield return Submit("key of 1000 characters", Job(TextJob("x", new[] { "text-stats" })), new string('k', 1_000));

        // Batches
        yield return SubmitBatch("batch without urls", Job(new { formats = new[] { "markdown" } }));
        yield return SubmitBatch("batch of no urls", Job(Batch([])));
        yield return SubmitBatch("batch over the item limit", Job(Batch([.. Enumerable.Range(0, 6).Select(i => $"https://example.com/{i}")])));
        yield return SubmitBatch("batch with an unknown format", Job(Batch(["https://example.com/"], formats: ["mp3"])));
        yield return SubmitBatch("batch with no formats", Job(Batch(["https://example.com/"], formats: [])));
        yield return SubmitBatch("batch with bad capture options", Job(Batch(["https://example.com/"], new { capture = new { fullPage = "yes" } })));
        yield return SubmitBatch("batch key that leaves no room for the index", Job(Batch(["https://example.com/"])), new string('k', 199));
        yield return SubmitBatch("batch malformed JSON", Json("""{"urls": ["""));

        // Accounts
        yield return new Case("register with a 300-character email", HttpMethod.Post, "/api/account/register",
            Job(new { email = new string('e', 290) + "@jobs.test", password = "Passw0rd!" }), Signed: false);
        yield return new Case("register without a password", HttpMethod.Post, "/api/account/register", Job(new { email = "x@jobs.test" }), Signed: false);
        yield return new Case("register with malformed JSON", HttpMethod.Post, "/api/account/register", Json("{\"email\":"), Signed: false);

        // Not signed in, someone else's job, unknown jobs, bad queries
        yield return new Case("submit without signing in", HttpMethod.Post, "/api/jobs", Job(TextJob("x", new[] { "text-stats" })), Signed: false);
        yield return new Case("list without signing in", HttpMethod.Get, "/api/jobs", null, Signed: false);
        yield return new Case("someone else's job", HttpMethod.Get, $"/api/jobs/{othersJob}", null);
        yield return new Case("someone else's events", HttpMethod.Get, $"/api/jobs/{othersJob}/events", null);
        yield return new Case("cancel someone else's job", HttpMethod.Post, $"/api/jobs/{othersJob}/cancel", null);
        yield return new Case("retry someone else's job", HttpMethod.Post, $"/api/jobs/{othersJob}/retry", null);
        yield return new Case("delete someone else's job", HttpMethod.Delete, $"/api/jobs/{othersJob}", null);
        yield return new Case("someone else's result", HttpMethod.Get, $"/api/jobs/{othersJob}/tasks/text-stats/result", null);
        yield return new Case("unknown job", HttpMethod.Get, $"/api/jobs/{Guid.NewGuid()}", null);
        yield return new Case("job id that is no id", HttpMethod.Get, "/api/jobs/not-a-guid", null);
        yield return new Case("unknown state filter", HttpMethod.Get, "/api/jobs?state=done", null);
        yield return new Case("page size 1000", HttpMethod.Get, "/api/jobs?pageSize=1000", null);
        yield return new Case("events after -1", HttpMethod.Get, $"/api/jobs/{Guid.NewGuid()}/events?after=-1", null);
        yield return new Case("PUT on the jobs collection", HttpMethod.Put, "/api/jobs", Job(TextJob("x", new[] { "text-stats" })));
    }

    [Fact]
    public async Task Every_bad_input_through_the_gateway_gets_4xx_problem_details_and_stores_nothing()
    {
        using var other = await fixture.NewUserAsync();
        var othersJob = await other.SubmitAcceptedAsync(UserSession.TextJob("Someone else's notes.", ["text-stats"]));
        using var user = await fixture.NewUserAsync();
        using var anonymous = new HttpClient { BaseAddress = fixture.App.GatewayUrl, Timeout = TimeSpan.FromSeconds(30) };

        var cases = Cases(othersJob).ToList();
        var failures = new List<string>();
        var problems = 0;
        foreach (var c in cases)
        {
            using var request = new HttpRequestMessage(c.Method, c.Path) { Content = c.Body };
            if (c.IdempotencyKey is not null)
            {
                request.Headers.TryAddWithoutValidation("Idempotency-Key", c.IdempotencyKey);
            }
            using var response = await (c.Signed ? user.Http : anonymous).SendAsync(request, TestContext.Current.CancellationToken);
            var status = (int)response.StatusCode;
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            if (status is >= 400 and < 500 && mediaType == "application/problem+json" && body.Contains($"\"status\":{status}"))
            {
                problems++;
            }
            else
            {
                failures.Add($"{c.Name}: {status} {mediaType} {body[..Math.Min(body.Length, 200)]}");
            }
        }

        var stored = await StoredRowsAsync(user.Id);
        TestContext.Current.SendDiagnosticMessage($"bad-input matrix: cases {cases.Count}, 4xx problem details {problems}, stored {stored}");
        Console.WriteLine($"bad-input matrix: cases {cases.Count}, 4xx problem details {problems}, stored {stored}");
        Assert.True(cases.Count >= 60, $"Only {cases.Count} cases.");
        Assert.True(failures.Count == 0, $"Not 4xx problem details:{Environment.NewLine}{string.Join(Environment.NewLine, failures)}");
        Assert.Equal(0, stored);
        // Someone else's job is untouched by the cross-user attempts.
        Assert.NotEqual("cancelled", await other.WaitForStateAsync(othersJob, TimeSpan.FromSeconds(30), "completed", "failed", "cancelled"));
        Assert.Equal(1L, await JobsDb.ScalarAsync<long>(fixture.Database, "SELECT count(*) FROM jobs WHERE id = @id", ("id", othersJob)));
    }

    /// <summary>Rows of the user's in every table a submission writes.</summary>
    private async Task<long> StoredRowsAsync(string userId) =>
        await JobsDb.ScalarAsync<long>(fixture.Database,
            """
            SELECT (SELECT count(*) FROM jobs WHERE owner_id = @u)
                 + (SELECT count(*) FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE j.owner_id = @u)
                 + (SELECT count(*) FROM events e JOIN jobs j ON j.id = e.job_id WHERE j.owner_id = @u)
                 + (SELECT count(*) FROM artifacts a JOIN jobs j ON j.id = a.job_id WHERE j.owner_id = @u)
                 + (SELECT count(*) FROM idempotency_records WHERE user_id = @u)
            """, ("u", userId));

    private static string Serialize(object value) => System.Text.Json.JsonSerializer.Serialize(value);

    private static string Describe(string url) => url.Length <= 60 ? url : $"{url[..30]}… ({url.Length} characters)";

    /// <summary>A body sent with Transfer-Encoding: chunked (no Content-Length), as a streaming client sends it.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly byte[] bytes;

        public ChunkedContent(byte[] bytes)
        {
            this.bytes = bytes;
            Headers.ContentType = new("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
