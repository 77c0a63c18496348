using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Npgsql;
using Platform.E2E.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Platform.E2E.Tests.Flows;

/// <summary>
/// What an operator sees in the Aspire dashboard once a job has gone through the app: every resource running (the
/// migration finished), the replicas side by side, and the job's trace across the services. Signs in with the
/// dashboard's browser token (<c>/login?t=…</c>), as the AppHost's login link does; the dashboard is a Blazor app, so
/// every check is an auto-waiting assertion on rendered content.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class DashboardTests(PlatformAppFixture fixture)
{
    private static readonly float Patience = BrowserUser.Patience;

    [Fact]
    public async Task Dashboard_shows_every_resource_running_and_the_jobs_trace_from_gateway_through_api_to_scraper()
    {
        var jobId = await RunOneUrlJobAsync();
        var page = await SignInToDashboardAsync();

        // Resources: one row per replica, each running; the migration ran once and finished.
        var rows = page.GetByRole(AriaRole.Row);
        ILocator Row(string name) => rows.Filter(new() { Has = page.GetByRole(AriaRole.Gridcell).Filter(new() { HasTextRegex = new Regex($@"^\s*{Regex.Escape(name)}\s*$") }) });
        var expected = new List<(string Name, string State)> { ("redis", "Running"), ("postgres", "Running"), ("migration", "Finished"), ("gateway", "Running") };
        Assert.Equal(2, fixture.App.Api.Count);
        Assert.Equal(2, fixture.App.Scraper.Count);
        expected.AddRange(fixture.App.Api.Concat(fixture.App.Scraper).Select(replica => (replica.Name, "Running")));
        try
        {
            foreach (var (name, state) in expected)
            {
                await Expect(Row(name)).ToHaveCountAsync(1, new() { Timeout = Patience });
                await Expect(Row(name)).ToContainTextAsync(state, new() { Timeout = Patience });
            }
        }
        finally
        {
            await SaveAsync(page, "10-dashboard-resources");
        }

        // Traces: the job is one trace, from its submission at the gateway through the Api replica that claimed it to
        // a Scraper replica (the Api stores the submitting request's traceparent with the job).
        await page.GotoAsync("/traces");
        var traces = page.GetByRole(AriaRole.Row);
        await FilterTracesAsync(page, "POST /api");
        var whole = traces.Filter(new() { HasTextRegex = new Regex(@"gateway \(\d+\s*\)") })
            .Filter(new() { HasTextRegex = new Regex(@"api-\w+ \(\d+\s*\)") })
            .Filter(new() { HasTextRegex = new Regex(@"scraper-\w+ \(\d+\s*\)") });
        await Expect(whole.First).ToBeVisibleAsync(new() { Timeout = Patience });
        await SaveAsync(page, "11-dashboard-traces");

        // This job's trace: the id the Api stored with the job (the submitting request's traceparent), not a place in the
        // list, where other tests' traces can land after it (the newest row was another job's in 2 of 4 runs). Its detail
        // page shows the gateway's, the Api's and the Scraper's spans, and the job.execute span carries the job's id.
        var traceId = await JobTraceIdAsync(jobId);
        await page.GotoAsync($"/traces/detail/{traceId}");
        var spans = page.GetByRole(AriaRole.Row);
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { NameRegex = new Regex(@"^gateway$") }).First).ToBeVisibleAsync(new() { Timeout = Patience });
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { NameRegex = new Regex(@"^api-\w+$") }).First).ToBeVisibleAsync(new() { Timeout = Patience });
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { NameRegex = new Regex(@"^scraper-\w+$") }).First).ToBeVisibleAsync(new() { Timeout = Patience });
        await spans.Filter(new() { HasText = "job.execute" }).First.ClickAsync();
        await Expect(page.GetByText(jobId).First).ToBeVisibleAsync(new() { Timeout = Patience });
        await SaveAsync(page, "12-dashboard-trace-detail");
    }

    /// <summary>The trace id of the request that submitted the job, as the Api stored it (W3C traceparent
    /// <c>00-{trace id}-{span id}-{flags}</c>).</summary>
    private async Task<string> JobTraceIdAsync(string jobId)
    {
        await using var db = new NpgsqlConnection(fixture.App.PostgresConnectionString);
        await db.OpenAsync(TestContext.Current.CancellationToken);
        await using var query = new NpgsqlCommand("SELECT trace_parent FROM jobs WHERE id = @id", db);
        query.Parameters.AddWithValue("id", Guid.Parse(jobId));
        var traceParent = await query.ExecuteScalarAsync(TestContext.Current.CancellationToken) as string;
        var traceId = traceParent?.Split('-') is [_, var id, _, _] ? id : "";
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        return traceId;
    }

    /// <summary>One URL job through the gateway, submitted as a user does, run to completion.</summary>
    private async Task<string> RunOneUrlJobAsync()
    {
        await using var user = await BrowserUser.SignUpAsync(fixture);
        var article = fixture.Site.Url("article?e2e=dashboard");
        await user.SubmitUrlsAsync([article], ["markdown"]);
        var jobId = await user.CardIdAsync(article);
        await Expect(user.Card(jobId)).ToHaveAttributeAsync("data-state", "completed", new() { Timeout = 120_000 });
        return jobId;
    }

    /// <summary>Opens the login link (it carries the browser token) in a fresh browser context; lands on Resources.</summary>
    private async Task<IPage> SignInToDashboardAsync()
    {
        var loginUrl = fixture.App.DashboardLoginUrl ?? throw new InvalidOperationException("The fixture runs without the dashboard.");
        Assert.Matches(@"/login\?t=\w+", loginUrl.PathAndQuery);
        var context = await fixture.NewContextAsync(fixture.App.DashboardUrl!);
        context.SetDefaultTimeout(Patience);
        var page = await context.NewPageAsync();
        await page.GotoAsync(loginUrl.ToString());
        // Signed in, the token is gone from the address and the Resources page renders its grid.
        await Expect(page).Not.ToHaveURLAsync(new Regex("/login"), new() { Timeout = Patience });
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Resources" }).Or(page.GetByText("Resources").First).First).ToBeVisibleAsync(new() { Timeout = Patience });
        return page;
    }

    /// <summary>Types into the traces list's name filter and waits until the list shows only matching traces.</summary>
    /// <remarks>The dashboard renders the page before its Blazor circuit connects: text typed before then stays in the box
    /// but filters nothing (seen on a loaded machine). So it types again until the list obeys the filter.</remarks>
    private static async Task FilterTracesAsync(IPage page, string name)
    {
        var search = page.Locator("input[name=traces-search]");
        var rows = page.GetByRole(AriaRole.Row);
        var deadline = DateTime.UtcNow.AddMilliseconds(Patience);
        while (true)
        {
            await search.FillAsync("");
            await search.FillAsync(name);
            try
            {
                // Every row but the header matches, and at least one does.
                await Expect(rows.Filter(new() { HasNotText = name })).ToHaveCountAsync(1, new() { Timeout = 10_000 });
                await Expect(rows.Filter(new() { HasText = name }).First).ToBeVisibleAsync(new() { Timeout = 10_000 });
                return;
            }
            catch (PlaywrightException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    /// <summary>The viewport as the operator sees it, with the rows' text beside it (what the assertions read).</summary>
    private async Task SaveAsync(IPage page, string name)
    {
        await page.ScreenshotAsync(new() { Path = Path.Combine(fixture.ScreenshotDirectory, $"{name}.png") });
        var rows = await page.GetByRole(AriaRole.Row).AllInnerTextsAsync();
        await File.WriteAllLinesAsync(Path.Combine(fixture.ScreenshotDirectory, $"{name}.txt"),
            rows.Select(r => Regex.Replace(r, @"\s+", " ").Trim()), TestContext.Current.CancellationToken);
    }
}
