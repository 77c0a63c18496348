using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Integration.Tests.Jobs;
using Platform.Scraper.Contracts;
using Platform.Testing;

namespace Platform.Integration.Tests.Security;

/// <summary>
/// The production policy (no private networks) with one operator-allowed address, 127.0.0.2, where the hostile site
/// lives; its port P is allowed, Q is not. The Scraper resolves names through <see cref="TestDnsServer"/>.
/// </summary>
public sealed class SsrfFixture : JobsAppFixture
{
    public SsrfTargets Targets { get; private set; } = null!;
    public TestDnsServer Dns { get; } = new();

    protected override void Configure(PlatformAppOptions options)
    {
        options.ApiReplicas = 1;
        options.ScraperReplicas = 1;
        options.StartupTimeout = TimeSpan.FromMinutes(5);
        Targets = SsrfTargets.StartAsync().GetAwaiter().GetResult();
        foreach (var environment in new[] { options.ApiEnvironment, options.ScraperEnvironment })
        {
            environment["Capture__AllowPrivateNetworks"] = "false";
            environment["Capture__AllowedNetworks__0"] = "127.0.0.2/32";
            environment["Capture__AdditionalPorts__0"] = Targets.Port.ToString();
        }
        options.ScraperEnvironment["Capture__DnsServer"] = Dns.EndPoint.ToString();
        options.ScraperEnvironment["Capture__PerHostConcurrency"] = "8";
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Dns.DisposeAsync();
        if (Targets is not null)
        {
            await Targets.DisposeAsync();
        }
    }
}

/// <summary>
/// Tries the forms of server-side request forgery a visitor's URL or a hostile page can take — address encodings, IPv6
/// embeddings of IPv4, metadata endpoints, disallowed ports, redirects, DNS answers that change, subresources, frames,
/// WebSockets, CONNECT to other ports — and proves each was refused: the internal victim never saw the request. Prints
/// "tried N, refused N".
/// </summary>
public sealed class SsrfHostileInputTests(SsrfFixture fixture) : IClassFixture<SsrfFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly IPAddress Hostile = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Victim = IPAddress.Loopback;

    /// <summary>URLs a signed-in user submits; every one must be answered 400 with a problem on source.url, no job stored.</summary>
    private static IEnumerable<(string Name, string Url)> SubmittedUrls(int p, int q) =>
    [
        ("loopback literal", $"http://127.0.0.1:{p}/hit/s1"),
        ("localhost", $"http://localhost:{p}/hit/s2"),
        ("localhost with trailing dot", $"http://localhost.:{p}/hit/s3"),
        ("decimal IPv4", $"http://2130706433:{p}/hit/s4"),
        ("hexadecimal IPv4", $"http://0x7f000001:{p}/hit/s5"),
        ("octal IPv4", $"http://0177.0.0.1:{p}/hit/s6"),
        ("short IPv4", $"http://127.1:{p}/hit/s7"),
        ("mixed hex short IPv4", $"http://0x7f.1:{p}/hit/s8"),
        ("IPv6 loopback", $"http://[::1]:{p}/hit/s9"),
        ("IPv4-mapped IPv6", $"http://[::ffff:127.0.0.1]:{p}/hit/s10"),
        ("IPv4-mapped IPv6, hex", $"http://[::ffff:7f00:1]:{p}/hit/s11"),
        ("NAT64", $"http://[64:ff9b::7f00:1]:{p}/hit/s12"),
        ("local-use NAT64", $"http://[64:ff9b:1::7f00:1]:{p}/hit/s13"),
        ("IPv4-compatible IPv6", $"http://[::7f00:1]:{p}/hit/s14"),
        ("6to4", $"http://[2002:7f00:1::]:{p}/hit/s15"),
        ("Teredo client", $"http://[2001:0:4136:e378:8000:63bf:80ff:fffe]:{p}/hit/s16"),
        ("AWS/GCP metadata", "http://169.254.169.254/latest/meta-data/"),
        ("metadata as mapped IPv6", "http://[::ffff:a9fe:a9fe]/latest/meta-data/"),
        ("metadata via 6to4", "http://[2002:a9fe:a9fe::]/latest/meta-data/"),
        ("Azure WireServer", "http://168.63.129.16/machine"),
        ("AWS IMDS IPv6", "http://[fd00:ec2::254]/latest/meta-data/"),
        ("unspecified address", $"http://0.0.0.0:{p}/hit/s22"),
        ("credentials before a private host", $"http://example.com@127.0.0.1:{p}/hit/s23"),
        ("allowed host, disallowed port", $"http://127.0.0.2:{q}/hit/s24"),
        ("file scheme", "file:///etc/passwd"),
        ("gopher scheme", $"gopher://127.0.0.1:{p}/_hit"),
    ];

    [Fact]
    public async Task Every_ssrf_form_in_a_submitted_url_or_a_hostile_page_is_refused_before_it_reaches_an_internal_address()
    {
        var t = fixture.Targets;
        var (p, q) = (t.Port, t.ClosedPort);
        using var user = await fixture.NewUserAsync();
        var results = new List<(string Name, bool Tried, bool Refused, string Detail)>();

        // 1. Submission: the Api refuses the URL itself.
        foreach (var (name, url) in SubmittedUrls(p, q))
        {
            using var response = await user.SubmitAsync(new { source = new { url }, formats = new[] { "markdown" }, options = new { } });
            var body = await response.Content.ReadAsStringAsync(Ct);
            var refused = response.StatusCode == HttpStatusCode.BadRequest && body.Contains("source.url", StringComparison.Ordinal);
            results.Add(($"submit: {name}", true, refused, $"{(int)response.StatusCode} {body}"));
        }
        var stored = await JobsDb.ScalarAsync<long>(fixture.Database, "SELECT count(*) FROM jobs WHERE owner_id = @u", ("u", user.Id));

        // 2. Hostile pages on the allowed host, captured by the real Scraper and Chromium.
        fixture.Dns.Answer("hostile.test", [Hostile]);
        fixture.Dns.Answer("victim.test", [Victim]);
        fixture.Dns.Answer("victim6.test", [IPAddress.IPv6Loopback]);
        fixture.Dns.Answer("mixed.test", [Hostile, Victim]);
        fixture.Dns.Answer("metadata.test", [IPAddress.Parse("169.254.169.254")]);
        fixture.Dns.Answer("nat64.test", [IPAddress.Parse("64:ff9b::7f00:1")]);
        // DNS rebinding: admission and the proxy (for the page) see the hostile address; every later lookup — the proxy's
        // for the page's fetch() — gets the victim.
        fixture.Dns.Answer("rebind.test", [Hostile], [Hostile], [Victim]);
        var cases = HostilePages(p, q).ToList();
        foreach (var c in cases)
        {
            if (c.Redirect is { } location)
            {
                t.AddRedirect(c.Id, location);
            }
            else
            {
                t.AddPage(c.Id, c.Html!);
            }
        }
        var closedBefore = t.ClosedPortConnections;
        using var scraper = new HttpClient { BaseAddress = fixture.App.Scraper[0].Url, Timeout = TimeSpan.FromMinutes(2) };
        using var gate = new SemaphoreSlim(3);
        var runs = await Task.WhenAll(cases.Select(async c =>
        {
            await gate.WaitAsync(Ct);
            try
            {
                var target = c.Redirect is null ? (c.EntryHost is { } host ? new Uri($"http://{host}:{p}/case/{c.Id}") : t.Page(c.Id)) : t.Redirector(c.Id);
                return (Case: c, Outcome: await CaptureAsync(scraper, target));
            }
            finally
            {
                gate.Release();
            }
        }));
        await Task.Delay(TimeSpan.FromSeconds(1), Ct); // anything still in flight lands before we count
        foreach (var (c, outcome) in runs)
        {
            // Tried: the page really attempted it — its control request to the allowed host arrived, or the capture was
            // stopped for a blocked address.
            var attempted = t.CanaryHits($"/{c.Id}") > 0 || outcome.Contains(CaptureProblemTypes.BlockedAddress, StringComparison.Ordinal);
            var refused = t.VictimHits($"/hit/{c.Id}") == 0;
            results.Add(($"page {c.Id}: {c.Name}", attempted, refused, outcome));
        }
        var closedPortReached = t.ClosedPortConnections - closedBefore;

        var tried = results.Count(r => r.Tried);
        var refusedCount = results.Count(r => r.Tried && r.Refused);
        var output = TestContext.Current.TestOutputHelper!;
        foreach (var r in results.Where(r => !r.Tried || !r.Refused))
        {
            output.WriteLine($"NOT {(r.Tried ? "REFUSED" : "TRIED")}: {r.Name} — {r.Detail}");
        }
        var endedEarly = Volatile.Read(ref s_endedEarly);
        output.WriteLine($"SSRF hostile input: tried {tried}, refused {refusedCount} ({results.Count} cases; {endedEarly} capture(s) tried again after the Scraper ended its response early)");
        Console.WriteLine($"SSRF hostile input: tried {tried}, refused {refusedCount} ({results.Count} cases; {endedEarly} capture(s) tried again after the Scraper ended its response early)");

        Assert.True(results.Count >= 40, $"only {results.Count} cases");
        Assert.Equal(results.Count, tried);
        Assert.Equal(tried, refusedCount);
        Assert.Equal(0, stored);
        Assert.Empty(t.AllVictimHits);
        Assert.Equal(0, closedPortReached);
        Assert.True(fixture.Dns.Lookups("rebind.test") >= 3, "the rebinding answer was never asked for");
    }

    private sealed record HostileCase(int Id, string Name, string? Html = null, string? Redirect = null, string? EntryHost = null);

    /// <summary>
    /// Pages that each try one way to the victim (path /hit/{id}) and, where the page keeps running, the same way to the
    /// allowed host (/canary/{id}) so the test knows the attempt was made.
    /// </summary>
    private static IEnumerable<HostileCase> HostilePages(int p, int q)
    {
        var id = 100;
        string Canary(int n) => $"http://127.0.0.2:{p}/canary/{n}";
        HostileCase Page(string name, Func<int, string> html, string? entryHost = null) { var n = ++id; return new(n, name, html(n), EntryHost: entryHost); }
        HostileCase Redirect(string name, Func<int, string> location) { var n = ++id; return new(n, name, Redirect: location(n)); }
        HostileCase Img(string name, string host) => Page($"<img> to {name}", n => $"<img src=\"{Canary(n)}\"><img src=\"http://{host}:{p}/hit/{n}\">");
        HostileCase Fetch(string name, string host) => Page($"fetch() to {name}", n => $"<script>fetch('{Canary(n)}'); fetch('http://{host}:{p}/hit/{n}', {{mode: 'no-cors'}});</script>");

        string[][] imageHosts =
        [
            ["loopback literal", "127.0.0.1"], ["localhost", "localhost"], ["decimal IPv4", "2130706433"], ["hex IPv4", "0x7f000001"],
            ["octal IPv4", "0177.0.0.1"], ["short IPv4", "127.1"], ["IPv6 loopback", "[::1]"], ["IPv4-mapped IPv6", "[::ffff:127.0.0.1]"],
            ["NAT64", "[64:ff9b::7f00:1]"], ["IPv4-compatible IPv6", "[::7f00:1]"], ["6to4", "[2002:7f00:1::]"],
            ["a name resolving to loopback", "victim.test"], ["a name resolving to ::1", "victim6.test"],
            ["a name resolving to public and private", "mixed.test"], ["a name resolving to NAT64 of loopback", "nat64.test"],
        ];
        foreach (var host in imageHosts)
        {
            yield return Img(host[0], host[1]);
        }
        yield return Fetch("loopback literal", "127.0.0.1");
        yield return Fetch("IPv6 loopback", "[::1]");
        yield return Page("fetch() after DNS rebinding", n => $"<script>fetch('{Canary(n)}'); setTimeout(() => fetch('http://rebind.test:{p}/hit/{n}', {{mode: 'no-cors'}}), 200);</script>", entryHost: "rebind.test");
        yield return Page("<iframe> to localhost", n => $"<img src=\"{Canary(n)}\"><iframe src=\"http://localhost:{p}/hit/{n}\"></iframe>");
        yield return Page("<script src> octal", n => $"<img src=\"{Canary(n)}\"><script src=\"http://0177.0.0.1:{p}/hit/{n}\"></script>");
        yield return Page("CSS @import and url() hex", n => $"<img src=\"{Canary(n)}\"><style>@import url('http://0x7f000001:{p}/hit/{n}'); body {{ background: url('http://0x7f000001:{p}/hit/{n}') }}</style>");
        yield return Page("WebSocket to loopback", n => $"<script>new WebSocket('ws://127.0.0.2:{p}/canary/{n}'); new WebSocket('ws://127.0.0.1:{p}/hit/{n}');</script>");
        yield return Page("WebSocket to a name resolving to loopback", n => $"<script>new WebSocket('ws://127.0.0.2:{p}/canary/{n}'); new WebSocket('ws://victim.test:{p}/hit/{n}');</script>");
        yield return Redirect("302 redirect to loopback", n => $"http://127.0.0.1:{p}/hit/{n}");
        yield return Redirect("302 redirect to NAT64 of loopback", n => $"http://[64:ff9b::7f00:1]:{p}/hit/{n}");
        yield return Redirect("302 redirect to a name resolving to loopback", n => $"http://victim.test:{p}/hit/{n}");
        yield return Redirect("302 redirect to cloud metadata by name", n => $"http://metadata.test/hit/{n}");
        yield return Page("meta refresh to loopback", n => $"<meta http-equiv=\"refresh\" content=\"0;url=http://127.0.0.1:{p}/hit/{n}\">");
        yield return Page("location.href to decimal IPv4", n => $"<script>location.href = 'http://2130706433:{p}/hit/{n}';</script>");
        yield return Page("auto-submitted POST form to short IPv4", n => $"<form method=\"post\" action=\"http://127.1:{p}/hit/{n}\"><input name=\"x\" value=\"1\"></form><script>document.forms[0].submit();</script>");
        // CONNECT and plain requests to a port nobody allowed on the allowed host (the victim here is the raw listener).
        yield return Page("https (CONNECT) to a disallowed port", n => $"<img src=\"{Canary(n)}\"><img src=\"https://127.0.0.2:{q}/hit/{n}\">");
        yield return Page("WebSocket (wss, CONNECT) to a disallowed port", n => $"<img src=\"{Canary(n)}\"><script>new WebSocket('wss://hostile.test:{q}/hit/{n}');</script>");
        yield return Page("http to a disallowed port", n => $"<img src=\"{Canary(n)}\"><img src=\"http://hostile.test:{q}/hit/{n}\">");
    }

    /// <summary>Runs one capture on the Scraper; returns its problem types and details (empty when it completed).</summary>
    /// <summary>Captures whose response the Scraper ended early and were tried again (an open defect, seen only under load).</summary>
    private static int s_endedEarly;

    /// <summary>
    /// One capture; a response the Scraper ends before its last frame (seen only when other collections load the machine;
    /// the cause is open, see the closing note of 2026-12-02) is tried again, at most twice, and counted in the report.
    /// Ending early is no refusal: the retry must still be refused for the case to count.
    /// </summary>
    private static async Task<string> CaptureAsync(HttpClient scraper, Uri url)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CaptureOnceAsync(scraper, url);
            }
            catch (HttpIOException) when (attempt < 3)
            {
                Interlocked.Increment(ref s_endedEarly);
            }
        }
    }

    private static async Task<string> CaptureOnceAsync(HttpClient scraper, Uri url)
    {
        var request = new CaptureRequest { Url = url.AbsoluteUri, Outputs = [CaptureOutput.Html], Wait = CaptureWait.NetworkIdle, TimeoutMs = 15_000 };
        using var message = new HttpRequestMessage(HttpMethod.Post, "/captures") { Content = JsonContent.Create(request, options: CaptureStream.Json) };
        using var response = await scraper.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, Ct);
        if (!response.IsSuccessStatusCode)
        {
            return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}";
        }
        var problems = new List<string>();
        await using var stream = await response.Content.ReadAsStreamAsync(Ct);
        await foreach (var frame in CaptureStreamReader.ReadAsync(stream, Ct))
        {
            if (frame.Problem is { } problem)
            {
                problems.Add($"{problem.Type}: {problem.Detail}");
            }
        }
        return string.Join("; ", problems);
    }
}
