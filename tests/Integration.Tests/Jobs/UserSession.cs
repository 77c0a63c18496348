using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Platform.Api.Jobs;

namespace Platform.Integration.Tests.Jobs;

/// <summary>A signed-in user: one cookie jar, usable against the gateway or any replica (they share the key ring).</summary>
public sealed class UserSession : IDisposable
{
    private readonly JobsAppFixture _fixture;

    private UserSession(JobsAppFixture fixture, string email, HttpClient http)
    {
        _fixture = fixture;
        Email = email;
        Http = http;
    }

    public string Email { get; }
    public string Id { get; private set; } = "";
    public HttpClient Http { get; }

    /// <summary>Registers (202, the same answer whether or not the address was taken), then signs in.</summary>
    public static async Task<UserSession> RegisterAsync(JobsAppFixture fixture, string email)
    {
        var http = NewClient(fixture);
        var response = await http.PostAsJsonAsync("/api/account/register", new { email, password = Password });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await SignInAsync(fixture, http, email, Password);
    }

    public static Task<UserSession> SignInAsync(JobsAppFixture fixture, string email, string password) =>
        SignInAsync(fixture, NewClient(fixture), email, password);

    private const string Password = "Passw0rd!";

    private static HttpClient NewClient(JobsAppFixture fixture)
    {
        var cookies = new CookieContainer();
        var client = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, UseCookies = true })
        {
            BaseAddress = fixture.App.GatewayUrl,
            Timeout = TimeSpan.FromSeconds(30),
        };
        Jars.Add(client, cookies);
        return client;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<HttpClient, CookieContainer> Jars = new();

    /// <summary>The session's cookie jar (the sign-in cookie), for a hub connection of the same user.</summary>
    public CookieContainer Cookies => Jars.TryGetValue(Http, out var jar) ? jar : throw new InvalidOperationException("no cookie jar");

    private static async Task<UserSession> SignInAsync(JobsAppFixture fixture, HttpClient http, string email, string password)
    {
        var session = new UserSession(fixture, email, http);
        var login = await http.PostAsJsonAsync("/api/account/login", new { email, password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        await using var connection = await fixture.Database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM users WHERE email = @email", connection);
        command.Parameters.AddWithValue("email", email);
        session.Id = (string)(await command.ExecuteScalarAsync())!;
        return session;
    }

    public static object TextJob(string text, string[] formats, object? options = null) =>
        new { source = new { text }, formats, options = options ?? new { } };

    /// <summary>A text job with the diagnostic format: waits <paramref name="delayMs"/>, fails as asked.</summary>
    public static object DiagnosticJob(int delayMs, int transientFailures = 0, bool permanentFailure = false, params string[] moreFormats) =>
        TextJob("Diagnostics for the job engine.", ["diagnostic", .. moreFormats],
            new { diagnostic = new { delayMs, steps = Math.Max(1, delayMs / 250), transientFailures, permanentFailure } });

    public Task<HttpResponseMessage> SubmitAsync(object body, Uri? replica = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(replica ?? _fixture.App.GatewayUrl, "/api/jobs")) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return Http.SendAsync(request);
    }

    public async Task<Guid> SubmitAcceptedAsync(object body, Uri? replica = null)
    {
        var response = await SubmitAsync(body, replica);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    public async Task<JsonElement> GetJobAsync(Guid id, Uri? replica = null) =>
        await Http.GetFromJsonAsync<JsonElement>(new Uri(replica ?? _fixture.App.GatewayUrl, $"/api/jobs/{id}"));

    public async Task<List<JsonElement>> EventsAsync(Guid id) =>
        [.. (await Http.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}/events?after=0")).GetProperty("events").EnumerateArray()];

    /// <summary>Polls PostgreSQL (not the API, which may be the replica a test just killed) until the job is in one of the states.</summary>
    public async Task<string> WaitForStateAsync(Guid id, TimeSpan timeout, params string[] states)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? state = null;
        while (DateTime.UtcNow < deadline)
        {
            state = await JobsDb.ScalarAsync<string>(_fixture.Database, "SELECT state FROM jobs WHERE id = @id", ("id", id));
            if (states.Contains(state))
            {
                return state!;
            }
            await Task.Delay(25);
        }
        throw new TimeoutException($"Job {id} is {state}, not {string.Join("/", states)}, after {timeout}.");
    }

    public void Dispose() => Http.Dispose();
}

internal static class JobsDb
{
    public static async Task<T?> ScalarAsync<T>(NpgsqlDataSource db, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    public static async Task<List<T>> ListAsync<T>(NpgsqlDataSource db, string sql, Func<NpgsqlDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }
        return rows;
    }

    /// <summary>Samples a user's running (and cancelling) jobs every 50 ms until disposed; remembers the maximum.</summary>
    public sealed class RunningMonitor : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _max;

        public RunningMonitor(NpgsqlDataSource db, string userId)
        {
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var running = await ScalarAsync<long>(db,
                        $"SELECT count(*) FROM jobs WHERE owner_id = @u AND state IN {JobStateSql.RunningSlot}", ("u", userId));
                    Samples++;
                    _max = Math.Max(_max, (int)running);
                    await Task.Delay(50).ConfigureAwait(false);
                }
            });
        }

        public int Max => _max;
        public int Samples { get; private set; }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
        }
    }
}
