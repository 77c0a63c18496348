using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Platform.E2E.Tests.Infrastructure;
using Platform.Fixtures;
using static Microsoft.Playwright.Assertions;

namespace Platform.E2E.Tests.Flows;

/// <summary>
/// Issue 7's end-to-end flow in a real browser against the whole Platform: sign up, four jobs against a per-user limit
/// of 3 running, a refresh mid-job, the job page's results, a second tab, cancelling, and history after signing back in.
/// Each test is its own user, so the per-user limits and the stack start empty whatever ran before.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class SpaFlowTests(PlatformAppFixture fixture)
{
    private static readonly LocatorAssertionsToHaveAttributeOptions Patiently = new() { Timeout = BrowserUser.Patience };

    /// <summary>A capture of /slow holds the page for this long: long enough to see jobs running and queued.</summary>
    private const int SlowPageMs = 30_000;

    [Fact]
    public async Task Four_jobs_show_three_running_and_one_queued_and_keep_going_after_a_refresh()
    {
        await using var user = await BrowserUser.SignUpAsync(fixture);
        Uri[] urls = [.. new[] { "a", "b", "c", "d" }.Select(tag => fixture.Site.Url($"slow?ms={SlowPageMs}&job={tag}"))];

        await user.SubmitUrlsAsync(urls, ["markdown", "metadata"]);

        // The per-user limit is 3 running; the fourth waits in the user's queue.
        await Expect(user.Usage).ToHaveTextAsync("Processing 3/3 · queued 1/5", new() { Timeout = BrowserUser.Patience });
        await Expect(user.Cards).ToHaveCountAsync(4, new() { Timeout = BrowserUser.Patience });
        await Expect(user.CardsIn("running")).ToHaveCountAsync(3, new() { Timeout = BrowserUser.Patience });
        await Expect(user.CardsIn("queued")).ToHaveCountAsync(1, new() { Timeout = BrowserUser.Patience });
        await user.ScreenshotAsync("01-stack-three-running-one-queued");

        // Nothing lives only in the browser: after a reload the stack and the indicator rebuild from the server.
        await user.Page.ReloadAsync();
        await Expect(user.Cards).ToHaveCountAsync(4, new() { Timeout = BrowserUser.Patience });
        await Expect(user.Usage).ToHaveAttributeAsync("data-running-limit", "3", Patiently);
        // At least one capture is still under way (the queued one alone outlasts the first three).
        await Expect(user.CardsIn("running").First).ToBeVisibleAsync(new() { Timeout = BrowserUser.Patience });
        await user.ScreenshotAsync("02-stack-after-refresh");

        // ...and progress continues: the first jobs complete, the queued one starts and completes too.
        await Expect(user.CardsIn("completed").First).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await Expect(user.Usage).ToHaveAttributeAsync("data-queued", "0", Patiently);
        await Expect(user.CardsIn("completed")).ToHaveCountAsync(4, new() { Timeout = 180_000 });
        await Expect(user.Usage).ToHaveTextAsync("Processing 0/3 · queued 0/5", new() { Timeout = BrowserUser.Patience });
        await Expect(user.CardsIn("completed").First.GetByTestId("job-card-outcome")).ToContainTextAsync("2 formats ready", new() { Timeout = BrowserUser.Patience });
        await user.ScreenshotAsync("03-stack-all-completed");
    }

    [Fact]
    public async Task Job_page_shows_each_formats_result_and_a_second_tab_sees_the_same_job()
    {
        await using var user = await BrowserUser.SignUpAsync(fixture);
        var article = fixture.Site.Url("article?e2e=results");
        string[] formats = ["markdown", "screenshot", "links", "metadata"];

        await user.SubmitUrlsAsync([article], formats);
        var jobId = await user.CardIdAsync(article);
        await user.Card(jobId).GetByTestId("job-card-open").ClickAsync();

        var jobPage = user.Page.GetByTestId("job-page");
        await Expect(jobPage).ToHaveAttributeAsync("data-job-id", jobId, Patiently);
        await Expect(user.Page).ToHaveURLAsync(new Regex($"/jobs/{jobId}"), new() { Timeout = BrowserUser.Patience });
        await Expect(jobPage).ToHaveAttributeAsync("data-state", "completed", new() { Timeout = 120_000 });

        await user.Page.GetByTestId("tab-markdown").ClickAsync();
        await Expect(user.Page.GetByTestId("result-markdown").GetByTestId("markdown-result").GetByRole(AriaRole.Heading, new() { Name = FixturePages.ArticleTitle }))
            .ToBeVisibleAsync(new() { Timeout = BrowserUser.Patience });
        await user.ScreenshotAsync("04-job-page-markdown", showing: user.Page.GetByTestId("result-markdown"));

        await user.Page.GetByTestId("tab-screenshot").ClickAsync();
        await Expect(user.Page.GetByTestId("result-screenshot").GetByTestId("image-result")).ToBeVisibleAsync(new() { Timeout = BrowserUser.Patience });
        // Visible is not loaded: wait until the browser has decoded a real image from the Api.
        await user.Page.WaitForFunctionAsync(
            "() => { const img = document.querySelector('[data-testid=image-result]'); return !!img && img.complete && img.naturalWidth > 100; }",
            null, new() { Timeout = BrowserUser.Patience });
        await user.ScreenshotAsync("05-job-page-screenshot", showing: user.Page.GetByTestId("result-screenshot"));

        await user.Page.GetByTestId("tab-links").ClickAsync();
        await Expect(user.Page.GetByTestId("result-links").GetByTestId("links-result")).ToContainTextAsync(FixturePages.ExternalLink, new() { Timeout = BrowserUser.Patience });

        await user.Page.GetByTestId("tab-metadata").ClickAsync();
        await Expect(user.Page.GetByTestId("result-metadata")).ToContainTextAsync(FixturePages.ArticleDescription, new() { Timeout = BrowserUser.Patience });
        await user.ScreenshotAsync("06-job-page-metadata", showing: user.Page.GetByTestId("result-metadata"));

        // A second tab of the same browser (same session) opens the permanent URL and agrees on state and seq.
        var seq = await jobPage.GetAttributeAsync("data-seq");
        var second = await user.Context.NewPageAsync();
        await second.GotoAsync($"/jobs/{jobId}?format=markdown");
        var secondJobPage = second.GetByTestId("job-page");
        await Expect(secondJobPage).ToHaveAttributeAsync("data-state", "completed", Patiently);
        await Expect(secondJobPage).ToHaveAttributeAsync("data-seq", seq!, Patiently);
        await Expect(second.GetByTestId("markdown-result")).ToContainTextAsync(FixturePages.ArticleTitle, new() { Timeout = BrowserUser.Patience });
    }

    [Fact]
    public async Task Cancelling_a_running_job_shows_cancelled_in_both_tabs()
    {
        await using var user = await BrowserUser.SignUpAsync(fixture);
        // Slower than the test: it is still running when cancelled, whatever the machine's load.
        var slow = fixture.Site.Url("slow?ms=110000&e2e=cancel");

        await user.SubmitUrlsAsync([slow], ["markdown"]);
        var jobId = await user.CardIdAsync(slow);
        await Expect(user.Card(jobId)).ToHaveAttributeAsync("data-state", "running", Patiently);

        await user.Page.GotoAsync($"/jobs/{jobId}");
        var jobPage = user.Page.GetByTestId("job-page");
        await Expect(jobPage).ToHaveAttributeAsync("data-state", "running", Patiently);

        var second = await user.Context.NewPageAsync();
        await second.GotoAsync($"/jobs/{jobId}");
        var secondJobPage = second.GetByTestId("job-page");
        await Expect(secondJobPage).ToHaveAttributeAsync("data-state", "running", Patiently);
        await user.ScreenshotAsync("07-job-page-running", second);

        await user.Page.GetByTestId("job-cancel").ClickAsync();
        await Expect(jobPage).ToHaveAttributeAsync("data-state", "cancelled", Patiently);
        await Expect(user.Card(jobId)).ToHaveAttributeAsync("data-state", "cancelled", Patiently);
        // The other tab learns it from the server (live, or by polling when the hub is down), not from this tab.
        await Expect(secondJobPage).ToHaveAttributeAsync("data-state", "cancelled", Patiently);
        var seq = await jobPage.GetAttributeAsync("data-seq");
        await Expect(secondJobPage).ToHaveAttributeAsync("data-seq", seq!, Patiently);
        await Expect(user.Usage).ToHaveAttributeAsync("data-running", "0", Patiently);
        await user.ScreenshotAsync("08-job-page-cancelled");
    }

    [Fact]
    public async Task After_signing_out_and_back_in_the_history_lists_the_jobs()
    {
        await using var user = await BrowserUser.SignUpAsync(fixture);
        var article = fixture.Site.Url("article?e2e=history");

        await user.SubmitUrlsAsync([article], ["markdown"]);
        var jobId = await user.CardIdAsync(article);
        await Expect(user.Card(jobId)).ToHaveAttributeAsync("data-state", "completed", new() { Timeout = 120_000 });

        await user.SignOutAsync();
        // Signed out, the app's pages send us back to sign-in.
        await user.Page.GotoAsync("/jobs");
        await user.SignInAsync();

        await user.Page.GetByTestId("app-header").GetByRole(AriaRole.Link, new() { Name = "History", Exact = true }).ClickAsync();
        await Expect(user.Page.GetByTestId("jobs-history")).ToBeVisibleAsync(new() { Timeout = BrowserUser.Patience });
        var row = user.Page.Locator($"[data-testid=history-row][data-job-id='{jobId}']");
        await Expect(row).ToHaveAttributeAsync("data-state", "completed", Patiently);
        await Expect(row).ToContainTextAsync("article?e2e=history", new() { Timeout = BrowserUser.Patience });
        await Expect(user.Page.GetByTestId("history-row")).ToHaveCountAsync(1, new() { Timeout = BrowserUser.Patience });
        await user.ScreenshotAsync("09-history");
    }
}
