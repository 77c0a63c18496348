using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Platform.Integration.Tests.Security;

/// <summary>
/// Hostile input against accounts and sessions: each case is an attack a visitor, a signed-in user or a page on another
/// origin can try through the gateway. A case counts as refused when the attack achieves nothing. Prints
/// "tried N, refused N"; every one must be refused.
/// </summary>
[Collection(SecurityCollection.Name)]
public sealed class AccountAbuseHostileInputTests(SecurityAppFixture fixture, ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Hostile = "http://localhost:5999";

    [Fact]
    public async Task Every_account_and_abuse_attack_is_refused()
    {
        var cases = new List<(string Name, Func<Task<bool>> Refused)>
        {
            ("register the address in Accounts:AdminEmails, then call /api/ops/queue", async () =>
            {
                using var v = fixture.NewVisitor();
                await v.RegisterAsync(SecurityAppFixture.LegacyAdminEmail);
                await v.LoginAsync(SecurityAppFixture.LegacyAdminEmail);
                return (await v.Http.GetAsync("/api/ops/queue", Ct)).StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized;
            }),
            ("register the bootstrap admin's address with my password, then sign in with it", async () =>
            {
                using var v = fixture.NewVisitor();
                await v.RegisterAsync(SecurityAppFixture.AdminEmail, "Hijack-Passw0rd!");
                return (await v.LoginAsync(SecurityAppFixture.AdminEmail, "Hijack-Passw0rd!")).StatusCode != HttpStatusCode.OK;
            }),
            ("register with \"roles\": [\"admin\"] in the body (mass assignment)", async () =>
            {
                using var v = fixture.NewVisitor();
                var email = SecurityAppFixture.NewEmail("mass");
                await v.Http.PostAsJsonAsync("/api/account/register", new { email, password = SecurityAppFixture.Password, roles = new[] { "admin" }, isAdmin = true }, Ct);
                await v.LoginAsync(email);
                var me = await v.Http.GetFromJsonAsync<JsonElement>("/api/account/me", Ct);
                return me.GetProperty("roles").GetArrayLength() == 0;
            }),
            ("anonymous call to /api/ops/instances", async () =>
            {
                using var v = fixture.NewVisitor();
                return (await v.Http.GetAsync("/api/ops/instances", Ct)).StatusCode == HttpStatusCode.Unauthorized;
            }),
            ("signed-in non-admin reads other users' emails at /api/ops/queue", async () =>
            {
                using var v = fixture.NewVisitor();
                await v.SignUpAsync(SecurityAppFixture.NewEmail("curious"));
                return (await v.Http.GetAsync("/api/ops/queue", Ct)).StatusCode == HttpStatusCode.Forbidden;
            }),
            ("mass registration from one address", async () =>
            {
                using var v = fixture.NewVisitor();
                var last = HttpStatusCode.OK;
                for (var i = 0; i <= SecurityAppFixture.RegisterPerIp; i++)
                {
                    last = (await v.RegisterAsync(SecurityAppFixture.NewEmail("sybil"))).StatusCode;
                }
                return last == HttpStatusCode.TooManyRequests;
            }),
            ("mass registration hiding behind X-Forwarded-For", async () =>
            {
                using var v = fixture.NewVisitor();
                var last = HttpStatusCode.OK;
                for (var i = 0; i <= SecurityAppFixture.RegisterPerIp; i++)
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, "/api/account/register")
                    {
                        Content = JsonContent.Create(new { email = SecurityAppFixture.NewEmail("sybil"), password = SecurityAppFixture.Password }),
                    };
                    request.Headers.TryAddWithoutValidation("X-Forwarded-For", $"203.0.113.{i + 1}");
                    last = (await v.Http.SendAsync(request, Ct)).StatusCode;
                }
                return last == HttpStatusCode.TooManyRequests;
            }),
            ("password spraying: one address, many accounts", async () =>
            {
                using var v = fixture.NewVisitor();
                var last = HttpStatusCode.OK;
                for (var i = 0; i <= SecurityAppFixture.LoginPerIp; i++)
                {
                    last = (await v.LoginAsync(SecurityAppFixture.NewEmail("spray"), "Summer2026!")).StatusCode;
                }
                return last == HttpStatusCode.TooManyRequests;
            }),
            ("password guessing on one account from one address", async () =>
            {
                var email = await RegisteredAsync("guessed");
                using var v = fixture.NewVisitor();
                var last = HttpStatusCode.OK;
                for (var i = 0; i <= SecurityAppFixture.LoginPerAccountPerIp; i++)
                {
                    last = (await v.LoginAsync(email, $"Guess{i}!aA")).StatusCode;
                }
                return last == HttpStatusCode.TooManyRequests;
            }),
            ("password guessing on one account from several addresses", async () =>
            {
                var email = await RegisteredAsync("distributed");
                var statuses = new List<HttpStatusCode>();
                for (var i = 0; i <= SecurityAppFixture.LoginPerAccount; i++)
                {
                    using var v = fixture.NewVisitor();
                    statuses.Add((await v.LoginAsync(email, $"Guess{i}!aA")).StatusCode);
                }
                return statuses[^1] == HttpStatusCode.TooManyRequests;
            }),
            ("guessing with case and whitespace variants of the email to dodge the per-account limit", async () =>
            {
                var email = await RegisteredAsync("variant");
                using var v = fixture.NewVisitor();
                var variants = new[] { email, email.ToUpperInvariant(), $" {email}", $"{email} ", char.ToUpperInvariant(email[0]) + email[1..] };
                var last = HttpStatusCode.OK;
                foreach (var variant in variants)
                {
                    last = (await v.LoginAsync(variant, "Wrong-Passw0rd!")).StatusCode;
                }
                return last == HttpStatusCode.TooManyRequests;
            }),
            ("lock the owner out with wrong passwords", async () =>
            {
                var email = await RegisteredAsync("lockout");
                using (var attacker = fixture.NewVisitor())
                {
                    for (var i = 0; i < 12; i++)
                    {
                        await attacker.LoginAsync(email, $"Guess{i}!aA");
                    }
                }
                using var owner = fixture.NewVisitor();
                return (await owner.LoginAsync(email)).StatusCode == HttpStatusCode.OK;
            }),
            ("learn whether an email is registered from the register answer", async () =>
            {
                var email = await RegisteredAsync("probe");
                using var v = fixture.NewVisitor();
                var fresh = await v.RegisterAsync(SecurityAppFixture.NewEmail("probe"));
                var taken = await v.RegisterAsync(email);
                return fresh.StatusCode == taken.StatusCode
                    && await fresh.Content.ReadAsStringAsync(Ct) == await taken.Content.ReadAsStringAsync(Ct);
            }),
            ("learn whether an email is registered from the sign-in answer", async () =>
            {
                var email = await RegisteredAsync("probe");
                using var v = fixture.NewVisitor();
                var real = await v.LoginAsync(email, "Wrong-Passw0rd!");
                var unknown = await v.LoginAsync(SecurityAppFixture.NewEmail("probe"), "Wrong-Passw0rd!");
                return real.StatusCode == unknown.StatusCode && await WithoutTraceIdAsync(real) == await WithoutTraceIdAsync(unknown);
            }),
            ("submission flood by one user", async () =>
            {
                using var v = fixture.NewVisitor();
                await v.SignUpAsync(SecurityAppFixture.NewEmail("flooder"));
                var last = HttpStatusCode.OK;
                for (var i = 0; i <= SecurityAppFixture.SubmissionsPerUser; i++)
                {
                    last = (await v.SubmitTextJobAsync()).StatusCode;
                }
                return last == HttpStatusCode.TooManyRequests;
            }),
            ("a 100 KB password (hashing cost)", async () =>
            {
                using var v = fixture.NewVisitor();
                var answer = await v.RegisterAsync(SecurityAppFixture.NewEmail("long"), "Aa1!" + new string('x', 100_000));
                return answer.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge;
            }),
            ("a 10 KB email", async () =>
            {
                using var v = fixture.NewVisitor();
                var answer = await v.RegisterAsync(new string('a', 10_000) + "@security.test");
                return answer.StatusCode == HttpStatusCode.BadRequest;
            }),
            ("register with no password / malformed JSON", async () =>
            {
                using var v = fixture.NewVisitor();
                var empty = await v.Http.PostAsJsonAsync("/api/account/register", new { email = SecurityAppFixture.NewEmail("empty") }, Ct);
                var malformed = await v.Http.PostAsync("/api/account/register", new StringContent("{\"email\":", Encoding.UTF8, "application/json"), Ct);
                return empty.StatusCode == HttpStatusCode.BadRequest && malformed.StatusCode == HttpStatusCode.BadRequest;
            }),
            ("a page on another port submits a job with the user's cookie", async () =>
            {
                using var v = await SignedInAsync("csrf-submit");
                return (await v.SubmitTextJobAsync(Hostile)).StatusCode == HttpStatusCode.Forbidden;
            }),
            ("a page on a sibling subdomain cancels the user's job", async () =>
            {
                using var v = await SignedInAsync("csrf-cancel");
                var id = await v.SubmitAcceptedAsync();
                return (await v.SendAsync(HttpMethod.Post, $"/api/jobs/{id}/cancel", origin: "http://jobs.evil.localhost")).StatusCode == HttpStatusCode.Forbidden;
            }),
            ("a sandboxed page (Origin: null) deletes the user's job", async () =>
            {
                using var v = await SignedInAsync("csrf-delete");
                var id = await v.SubmitAcceptedAsync();
                return (await v.SendAsync(HttpMethod.Delete, $"/api/jobs/{id}", origin: "null")).StatusCode == HttpStatusCode.Forbidden;
            }),
            ("a cross-site form signs the browser into the attacker's account (login CSRF)", async () =>
            {
                using var v = fixture.NewVisitor();
                var answer = await v.SendAsync(HttpMethod.Post, "/api/account/login",
                    new { email = SecurityAppFixture.NewEmail("login-csrf"), password = SecurityAppFixture.Password }, origin: "https://evil.example");
                return answer.StatusCode == HttpStatusCode.Forbidden;
            }),
            ("a cross-site request without Origin (Sec-Fetch-Site: cross-site) retries a job", async () =>
            {
                using var v = await SignedInAsync("csrf-retry");
                var id = await v.SubmitAcceptedAsync();
                return (await v.SendAsync(HttpMethod.Post, $"/api/jobs/{id}/retry", fetchSite: "cross-site")).StatusCode == HttpStatusCode.Forbidden;
            }),
            ("a page on another port opens the hub with the user's cookie", () => HubRefusedAsync(webSocketOnly: false)),
            ("a page on another port opens the hub's WebSocket directly (no negotiate)", () => HubRefusedAsync(webSocketOnly: true)),
        };

        var refused = 0;
        foreach (var (name, attempt) in cases)
        {
            bool wasRefused;
            try
            {
                wasRefused = await attempt();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                output.WriteLine($"  error    {name}: {e.GetType().Name}: {e.Message}");
                wasRefused = false;
            }
            refused += wasRefused ? 1 : 0;
            output.WriteLine($"  {(wasRefused ? "refused " : "ALLOWED ")} {name}");
        }
        output.WriteLine($"tried {cases.Count}, refused {refused}");
        Assert.True(cases.Count >= 20);
        Assert.Equal(cases.Count, refused);
    }

    /// <summary>The answer's body less its traceId, which differs on every request.</summary>
    private static async Task<string> WithoutTraceIdAsync(HttpResponseMessage response)
    {
        var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject();
        body.Remove("traceId");
        return body.ToJsonString();
    }

    private async Task<bool> HubRefusedAsync(bool webSocketOnly)
    {
        using var v = await SignedInAsync("csrf-hub");
        await using var hub = v.Hub(Hostile, webSocketOnly);
        try
        {
            await hub.StartAsync(Ct);
            return false;
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or System.Net.WebSockets.WebSocketException or AggregateException)
        {
            return true;
        }
    }

    private async Task<string> RegisteredAsync(string prefix)
    {
        var email = SecurityAppFixture.NewEmail(prefix);
        using var v = fixture.NewVisitor();
        var answer = await v.RegisterAsync(email);
        Assert.True(answer.IsSuccessStatusCode);
        return email;
    }

    private async Task<Visitor> SignedInAsync(string prefix)
    {
        var v = fixture.NewVisitor();
        await v.SignUpAsync(SecurityAppFixture.NewEmail(prefix));
        return v;
    }
}
