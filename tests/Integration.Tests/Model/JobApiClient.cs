using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Platform.Integration.Tests.Model;

/// <summary>A signed-in user of the Platform REST API (DESIGN "API surface"), as the SPA would use it.</summary>
public sealed class JobApiClient : IDisposable
{
    private static readonly string[] Terminal = ["completed", "partial", "failed", "cancelled", "expired"];

    private readonly HttpClient http;

    private JobApiClient(HttpClient http) => this.http = http;

    /// <summary>Registers a new account and signs in (the auth cookie stays in this client).</summary>
    public static async Task<JobApiClient> SignUpAsync(Uri baseUrl, string email, CancellationToken ct)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true })
        {
            BaseAddress = baseUrl,
            Timeout = TimeSpan.FromSeconds(30),
        };
        var account = new { email, password = "Correct-Horse-42!" };
        (await http.PostAsJsonAsync("/api/account/register", account, ct)).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync("/api/account/login", account, ct)).EnsureSuccessStatusCode();
        return new JobApiClient(http);
    }

    public async Task<Guid> SubmitTextJobAsync(string text, IEnumerable<string> formats, object? options, CancellationToken ct)
    {
        var response = await http.PostAsJsonAsync("/api/jobs", new { source = new { text }, formats, options = options ?? new { } }, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new HttpRequestException($"POST /api/jobs answered {(int)response.StatusCode}: {body}");
        }
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>GET /api/formats: the registry the SPA's format picker shows.</summary>
    public async Task<JsonElement> FormatsAsync(CancellationToken ct) =>
        (await http.GetFromJsonAsync<JsonElement>("/api/formats", ct)).Clone();

    public async Task<JsonElement> GetJobAsync(Guid id, CancellationToken ct) =>
        (await http.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}", ct)).Clone();

    /// <summary>Polls the snapshot until the job reaches a final state.</summary>
    public async Task<JsonElement> WaitFinishedAsync(Guid id, TimeSpan timeout, CancellationToken ct, int pollMilliseconds = 100)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var job = await GetJobAsync(id, deadline.Token);
            if (Terminal.Contains(job.GetProperty("state").GetString()))
            {
                return job;
            }
            await Task.Delay(pollMilliseconds, deadline.Token);
        }
    }

    /// <summary>Every event after <paramref name="after"/>, following pages until the job's last seq.</summary>
    public async Task<IReadOnlyList<JobEvent>> EventsAfterAsync(Guid id, long after, CancellationToken ct)
    {
        var events = new List<JobEvent>();
        while (true)
        {
            var body = await http.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}/events?after={after}", ct);
            var page = body.GetProperty("events").EnumerateArray()
                .Select(e => new JobEvent(e.GetProperty("seq").GetInt64(), e.GetProperty("type").GetString()!, e.GetProperty("data").Clone()))
                .ToList();
            events.AddRange(page);
            if (page.Count == 0 || page[^1].Seq >= body.GetProperty("lastSeq").GetInt64())
            {
                return events;
            }
            after = page[^1].Seq;
        }
    }

    public async Task<(string ContentType, string Text)> ResultAsync(Guid id, string format, CancellationToken ct)
    {
        using var response = await http.GetAsync($"/api/jobs/{id}/tasks/{format}/result", ct);
        response.EnsureSuccessStatusCode();
        return (response.Content.Headers.ContentType?.ToString() ?? "", Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync(ct)));
    }

    public void Dispose() => http.Dispose();
}

public sealed record JobEvent(long Seq, string Type, JsonElement Data)
{
    public string? Format => Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty("format", out var f) ? f.GetString() : null;
}

/// <summary>
/// The client rule for streamed output (docs/architecture.md, "Processing formats"): a format's partial text is the
/// concatenation of its <c>task.output</c> texts after its latest <c>task.state</c> "running" event, which starts each try.
/// </summary>
public sealed class StreamedText
{
    private readonly Dictionary<string, StringBuilder> text = new(StringComparer.Ordinal);

    public long Seq { get; private set; }

    public string this[string format] => text.TryGetValue(format, out var t) ? t.ToString() : "";

    public StreamedText Apply(IEnumerable<JobEvent> events)
    {
        foreach (var e in events)
        {
            if (e.Seq <= Seq)
            {
                continue; // a duplicate (live push and replay overlap): already applied
            }
            Seq = e.Seq;
            if (e.Format is not { } format)
            {
                continue;
            }
            if (e.Type == "task.state" && e.Data.GetProperty("state").GetString() == "running")
            {
                text[format] = new StringBuilder();
            }
            else if (e.Type == "task.output")
            {
                (text.TryGetValue(format, out var t) ? t : text[format] = new StringBuilder()).Append(e.Data.GetProperty("text").GetString());
            }
        }
        return this;
    }
}
