using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Platform.E2E.Tests.Infrastructure;

/// <summary>
/// One person at the browser: their own account and browser context, driving the SPA through the selectors in
/// web-spa/README.md. Every wait is a Playwright auto-waiting assertion with a generous timeout (the machine is shared).
/// </summary>
public sealed class BrowserUser : IAsyncDisposable
{
    /// <summary>Long enough for a loaded 2-core machine; the assertions return as soon as the condition holds.</summary>
    public static readonly float Patience = 60_000;

    public const string Password = "Rivers-and-Valleys-42!";

    private readonly PlatformAppFixture _fixture;

    private BrowserUser(PlatformAppFixture fixture, IBrowserContext context, IPage page, string email)
    {
        _fixture = fixture;
        Context = context;
        Page = page;
        Email = email;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public string Email { get; }

    public ILocator Usage => Page.GetByTestId("usage-indicator");

    public ILocator Cards => Page.GetByTestId("job-card");

    public ILocator CardsIn(string state) => Page.Locator($"[data-testid=job-card][data-state={state}]");

    /// <summary>Opens the app unauthenticated (it sends us to sign-in), follows "Create an account" and registers.</summary>
    public static async Task<BrowserUser> SignUpAsync(PlatformAppFixture fixture)
    {
        var context = await fixture.NewContextAsync();
        context.SetDefaultTimeout(Patience);
        context.SetDefaultNavigationTimeout(Patience);
        var page = await context.NewPageAsync();
        var user = new BrowserUser(fixture, context, page, $"e2e-{Guid.NewGuid():N}@platform.test");

        await page.GotoAsync("/");
        await Expect(page.GetByTestId("sign-in-form")).ToBeVisibleAsync(new() { Timeout = Patience });
        await page.GetByRole(AriaRole.Link, new() { Name = "Create an account" }).ClickAsync();
        await Expect(page.GetByTestId("register-form")).ToBeVisibleAsync(new() { Timeout = Patience });
        await page.GetByLabel("Email").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await user.ExpectSignedInAsync();
        return user;
    }

    public async Task ExpectSignedInAsync()
    {
        await Expect(Page.GetByTestId("user-email")).ToHaveTextAsync(Email, new() { Timeout = Patience });
        await Expect(Usage).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^Processing \d+/\d+ · queued \d+/\d+$"), new() { Timeout = Patience });
    }

    public async Task SignOutAsync()
    {
        await Page.GetByTestId("sign-out").ClickAsync();
        await Expect(Page.GetByTestId("sign-in-form")).ToBeVisibleAsync(new() { Timeout = Patience });
    }

    public async Task SignInAsync()
    {
        await Expect(Page.GetByTestId("sign-in-form")).ToBeVisibleAsync(new() { Timeout = Patience });
        await Page.GetByLabel("Email").FillAsync(Email);
        await Page.GetByLabel("Password").FillAsync(Password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await ExpectSignedInAsync();
    }

    /// <summary>
    /// Fills the submit form on "New job": one URL per line, exactly <paramref name="formats"/> ticked, and a capture
    /// timeout long enough for the slow fixture page. Returns once the form has reset (it does so at once by design).
    /// </summary>
    public async Task SubmitUrlsAsync(IReadOnlyList<Uri> urls, IReadOnlyList<string> formats, int timeoutSeconds = 120)
    {
        await Page.GetByTestId("app-header").GetByRole(AriaRole.Link, new() { Name = "New job", Exact = true }).ClickAsync();
        var form = Page.GetByTestId("submit-form");
        await Expect(form).ToBeVisibleAsync(new() { Timeout = Patience });
        // The format list comes from the Api; wait for it before choosing.
        await Expect(Page.GetByTestId($"format-option-{formats[0]}")).ToBeVisibleAsync(new() { Timeout = Patience });
        await Page.GetByTestId("format-picker").GetByRole(AriaRole.Button, new() { Name = "None", Exact = true }).ClickAsync();
        foreach (var format in formats)
        {
            await Page.GetByTestId($"format-option-{format}").GetByRole(AriaRole.Checkbox).CheckAsync();
        }
        await Page.GetByLabel("Timeout (seconds)").FillAsync(timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var source = Page.GetByLabel("URLs");
        await source.FillAsync(string.Join('\n', urls.Select(u => u.ToString())));
        var submit = Page.GetByTestId("submit-job");
        await Expect(submit).ToHaveTextAsync(urls.Count == 1 ? "Start job" : $"Start {urls.Count} jobs", new() { Timeout = Patience });
        await submit.ClickAsync();
        await Expect(source).ToHaveValueAsync("", new() { Timeout = Patience });
    }

    /// <summary>The id of the stack card for <paramref name="url"/>, once it is in the stack.</summary>
    public async Task<string> CardIdAsync(Uri url)
    {
        // Cards shorten long URLs for display; the source link's title keeps the URL whole.
        var card = Cards.Filter(new() { Has = Page.Locator($"a[title=\"{url.AbsoluteUri}\"]") });
        await Expect(card).ToHaveCountAsync(1, new() { Timeout = Patience });
        return await card.GetAttributeAsync("data-job-id") ?? throw new InvalidOperationException("job-card without data-job-id");
    }

    public ILocator Card(string jobId) => Page.Locator($"[data-testid=job-card][data-job-id='{jobId}']");

    /// <summary>
    /// Saves what the user sees (the viewport, scrolled to the top) under artifacts/test-output/screenshots. Not full-page:
    /// the sticky header and the fixed notification stack would be drawn at the scroll position, mid-image.
    /// </summary>
    public async Task ScreenshotAsync(string name, IPage? page = null, ILocator? showing = null)
    {
        var target = page ?? Page;
        await target.EvaluateAsync("() => window.scrollTo(0, 0)");
        if (showing is not null)
        {
            await showing.ScrollIntoViewIfNeededAsync();
        }
        await target.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(_fixture.ScreenshotDirectory, $"{name}.png") });
        // Whether live updates were connected when the picture was taken (the SPA falls back to polling when not).
        var banner = await target.GetByTestId("reconnecting-banner").IsVisibleAsync();
        File.AppendAllLines(Path.Combine(_fixture.ScreenshotDirectory, "screens.txt"), [$"{DateTime.UtcNow:HH:mm:ss.fff} {name}: reconnecting banner {(banner ? "shown" : "hidden")}"]);
    }

    public async ValueTask DisposeAsync() => await Context.DisposeAsync();
}
