using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.Integration.Tests.Live;

/// <summary>A signed-in user: the auth cookie lives in <see cref="Cookies"/>, which hub connections share (as a browser's tabs do).</summary>
public sealed class LiveUser : IDisposable
{
    public const string Password = "Correct-Horse-42!";

    private static readonly string[] FinalStates = ["completed", "partial", "failed", "cancelled", "expired"];

    private LiveUser(string email, CookieContainer cookies, HttpClient http)
    {
        Email = email;
        Cookies = cookies;
        Http = http;
    }

    public string Email { get; }

    public CookieContainer Cookies { get; }

    public HttpClient Http { get; }

    /// <summary>POST /api/account/register then /api/account/login, which sets the cookie.</summary>
    public static async Task<LiveUser> SignUpAsync(Uri baseUrl, string email, CancellationToken ct)
    {
        var cookies = new CookieContainer();
        var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, UseCookies = true })
        {
            BaseAddress = baseUrl,
            Timeout = TimeSpan.FromSeconds(60),
        };
        var account = new { email, password = Password };
        (await http.PostAsJsonAsync("/api/account/register", account, ct)).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync("/api/account/login", account, ct)).EnsureSuccessStatusCode();
        return new LiveUser(email, cookies, http);
    }

    /// <summary>
    /// A text job with the engine's "diagnostic" format (it waits <paramref name="delayMs"/> in <paramref name="steps"/>
    /// steps, reporting progress at each) and "text-stats" unless <paramref name="formats"/> says otherwise.
    /// Needs Diagnostics__EnableFaultFormats=true.
    /// </summary>
    public async Task<Guid> SubmitDiagnosticJobAsync(int delayMs, int steps, CancellationToken ct, string[]? formats = null)
    {
        var request = new
        {
            source = new { text = "Live progress travels from the executor to every tab. Each event has its seq." },
            formats = formats ?? ["diagnostic", "text-stats"],
            options = new { diagnostic = new { delayMs, steps } },
        };
        var response = await Http.PostAsJsonAsync("/api/jobs", request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new HttpRequestException($"POST /api/jobs answered {(int)response.StatusCode}: {body}");
        }
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    public async Task<JsonElement> GetJobAsync(Guid id, CancellationToken ct) =>
        (await Http.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}", ct)).Clone();

    /// <summary>The stored log: every event of the job, following pages of GET /api/jobs/{id}/events.</summary>
    public async Task<IReadOnlyList<JsonElement>> EventLogAsync(Guid id, CancellationToken ct)
    {
        var events = new List<JsonElement>();
        long after = 0;
        while (true)
        {
            var body = await Http.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}/events?after={after}", ct);
            var page = body.GetProperty("events").EnumerateArray().Select(e => e.Clone()).ToList();
            events.AddRange(page);
            if (page.Count == 0 || page[^1].GetProperty("seq").GetInt64() >= body.GetProperty("lastSeq").GetInt64())
            {
                return events;
            }
            after = page[^1].GetProperty("seq").GetInt64();
        }
    }

    /// <summary>Polls the snapshot until the job is in a final state.</summary>
    public async Task<JsonElement> WaitFinishedAsync(Guid id, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var job = await GetJobAsync(id, deadline.Token);
            if (IsFinal(job.GetProperty("state").GetString()))
            {
                return job;
            }
            await Task.Delay(100, deadline.Token);
        }
    }

    public static bool IsFinal(string? state) => FinalStates.Contains(state);

    public void Dispose() => Http.Dispose();
}
