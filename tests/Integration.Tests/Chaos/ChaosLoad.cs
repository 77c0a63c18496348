using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;
using Platform.Fixtures;
using Platform.Integration.Tests.Jobs;
using Platform.Integration.Tests.Live;

namespace Platform.Integration.Tests.Chaos;

/// <summary>
/// Jobs in flight while faults are injected: each user keeps up to <see cref="InFlightPerUser"/> jobs — every other one a
/// diagnostic text job, the others URL captures of a slow page of the local fixture site (markdown and metadata, through
/// a Scraper and its Chromium), spread over the site's hosts so per-host politeness is contended — submitted through the gateway (one Idempotency-Key per job, resent until it is answered, so an unknown answer never
/// makes a duplicate nor an unknown job) and follows each on a hub connection of its own, as a browser tab does.
/// Owner of its submit loops (one per user, cancelled by <see cref="StopSubmittingAsync"/>).
/// </summary>
public sealed class ChaosLoad : IAsyncDisposable
{
    public const int InFlightPerUser = 6;
    private static readonly string[] FinalStates = ["completed", "partial", "failed", "cancelled", "expired"];

    private readonly ChaosFixture _fixture;
    private readonly List<(LiveUser User, string Id, LiveJobClient Client)> _users = [];
    private readonly ConcurrentDictionary<Guid, (string UserId, LiveJobClient Client)> _jobs = new();
    private readonly ConcurrentDictionary<Guid, bool> _captures = new();
    private readonly FixtureSite _site;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    private ChaosLoad(ChaosFixture fixture, FixtureSite site)
    {
        _fixture = fixture;
        _site = site;
    }

    public IReadOnlyCollection<Guid> Submitted => [.. _jobs.Keys];

    /// <summary>The URL capture jobs among <see cref="Submitted"/>.</summary>
    public IReadOnlyCollection<Guid> Captures => [.. _captures.Keys];

    public IReadOnlyList<string> UserIds => [.. _users.Select(u => u.Id)];

    public static async Task<ChaosLoad> StartAsync(ChaosFixture fixture, FixtureSite site, int users, CancellationToken ct)
    {
        var load = new ChaosLoad(fixture, site);
        for (var i = 0; i < users; i++)
        {
            var email = $"chaos-{i}-{Guid.NewGuid():N}@chaos.test";
            var user = await LiveUser.SignUpAsync(fixture.App.GatewayUrl, email, ct);
            var id = (await JobsDb.ScalarAsync<string>(fixture.Database, "SELECT id FROM users WHERE email = @e", ("e", email)))!;
            var client = await LiveJobClient.ConnectAsync($"chaos-{i}", fixture.App.GatewayUrl, user.Cookies, ct);
            load._users.Add((user, id, client));
        }
        foreach (var (user, id, client) in load._users)
        {
            load._loops.Add(Task.Run(() => load.SubmitLoopAsync(user, id, client)));
        }
        return load;
    }

    private async Task SubmitLoopAsync(LiveUser user, string userId, LiveJobClient client)
    {
        var ct = _stop.Token;
        var mine = new List<Guid>();
        var capture = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var unfinished = await UnfinishedAsync(mine);
                if (unfinished >= InFlightPerUser)
                {
                    await Task.Delay(200, ct);
                    continue;
                }
                capture = !capture;
                var id = await SubmitUntilAnsweredAsync(user, capture ? CaptureJob() : TextJob(), ct);
                if (id is not { } jobId)
                {
                    continue;
                }
                mine.Add(jobId);
                if (capture)
                {
                    _captures[jobId] = true;
                }
                _jobs[jobId] = (userId, client);
                client.Stream(jobId);
                _ = SubscribeUntilDoneAsync(client, jobId);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException)
            {
                await Task.Delay(250, CancellationToken.None); // PostgreSQL restarting: the count waits
            }
        }
    }

    private static object TextJob() => new
    {
        source = new { text = "Chaos: a job in flight while faults are injected." },
        formats = new[] { "diagnostic", "text-stats" },
        options = new { diagnostic = new { delayMs = Random.Shared.Next(800, 2500), steps = 4 } },
    };

    /// <summary>A page that answers after 0.8–2.5 s, on one of the site's hosts.</summary>
    private object CaptureJob() => new
    {
        source = new { url = _site.Url($"slow?ms={Random.Shared.Next(800, 2500)}", Random.Shared.Next(_site.Hosts.Count)).AbsoluteUri },
        formats = new[] { "markdown", "metadata" },
        options = new { },
    };

    /// <summary>One job: the same key until the server answers 202 (or refuses with 429: not submitted).</summary>
    private static async Task<Guid?> SubmitUntilAnsweredAsync(LiveUser user, object body, CancellationToken ct)
    {
        var key = Guid.NewGuid().ToString("N");
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = JsonContent.Create(body) };
                request.Headers.Add("Idempotency-Key", key);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                using var response = await user.Http.SendAsync(request, timeout.Token);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
                }
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    await Task.Delay(300, ct);
                    return null;
                }
                if ((int)response.StatusCode is >= 400 and < 500)
                {
                    throw new InvalidOperationException($"POST /api/jobs answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
                }
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or OperationCanceledException)
            {
                // No answer (a replica died under it): resend with the same key.
            }
            await Task.Delay(250, ct);
        }
    }

    private static async Task SubscribeUntilDoneAsync(LiveJobClient client, Guid jobId)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            try
            {
                await client.SubscribeAsync(jobId, CancellationToken.None);
                return;
            }
            catch (Exception)
            {
                // Reconnecting: its Reconnected handler resubscribes every stream, and so do we, until one answer lands.
                await Task.Delay(250);
            }
        }
    }

    private async Task<int> UnfinishedAsync(List<Guid> jobs)
    {
        if (jobs.Count == 0)
        {
            return 0;
        }
        var finished = await JobsDb.ScalarAsync<long>(_fixture.Database,
            "SELECT count(*) FROM jobs WHERE id = ANY(@ids) AND state = ANY(@final)", ("ids", jobs.ToArray()), ("final", FinalStates));
        return jobs.Count - (int)finished;
    }

    public async Task StopSubmittingAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
    }

    /// <summary>Waits until every submitted job is final in PostgreSQL; returns those that are not.</summary>
    public async Task<IReadOnlyList<Guid>> WaitAllFinalAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var open = await JobsDb.ListAsync(_fixture.Database,
                "SELECT id FROM jobs WHERE id = ANY(@ids) AND NOT state = ANY(@final)", r => r.GetGuid(0),
                ("ids", Submitted.ToArray()), ("final", FinalStates));
            if (open.Count == 0 || DateTime.UtcNow > deadline)
            {
                return open;
            }
            await Task.Delay(250);
        }
    }

    /// <summary>The owner cancels through the gateway, resending until an answer (202 cancelling, 200 cancelled, 409 finished).</summary>
    public async Task CancelAsync(Guid jobId)
    {
        var owner = _users.Single(u => u.Id == _jobs[jobId].UserId).User;
        for (var attempt = 0; attempt < 40; attempt++)
        {
            try
            {
                using var response = await owner.Http.PostAsync($"/api/jobs/{jobId}/cancel", null);
                if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK or HttpStatusCode.Conflict)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"Cancel of {jobId} got no answer.");
    }

    /// <summary>Hub reconnects the users' clients went through (a stateful reconnect that resumes the same connection is not one).</summary>
    public int Reconnects => _users.Sum(u => u.Client.Reconnects);

    /// <summary>Waits until every user's hub connection is connected again (after a cut it reconnects on its own).</summary>
    public async Task WaitConnectedAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_users.Any(u => u.Client.Connection.State != HubConnectionState.Connected))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Hub connections not back within {timeout.TotalSeconds:F0} s: " +
                    string.Join(", ", _users.Select(u => $"{u.Client.Name} {u.Client.Connection.State}")));
            }
            await Task.Delay(100);
        }
    }

    /// <summary>SubscribeJob from the seq the client holds, as the SPA does for a job that still looks active.</summary>
    public Task ReconcileAsync(Guid jobId) => SubscribeUntilDoneAsync(_jobs[jobId].Client, jobId);

    public LiveJobStream StreamOf(Guid jobId) => _jobs[jobId].Client.Stream(jobId);

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopSubmittingAsync();
        }
        foreach (var (user, _, client) in _users)
        {
            await client.DisposeAsync();
            user.Dispose();
        }
        _stop.Dispose();
    }
}
