using Platform.Fixtures;

namespace Platform.Scraper.Tests.Infrastructure;

/// <summary>The AppHost's Redis (flushed), the fixture site and one in-process Scraper (defaults: pool 4, waiting 8), shared by a test class.</summary>
public class ScraperFixture(AppHostRedis redis) : IAsyncLifetime
{
    public AppHostRedis Redis => redis;
    public FixtureSite Site { get; private set; } = null!;
    public ScraperFactory Scraper { get; private set; } = null!;

    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public async ValueTask InitializeAsync()
    {
        await redis.FlushAsync();
        Site = await FixtureSite.StartAsync();
        Scraper = new ScraperFactory(Redis.ConnectionString, Settings);
        // Real Kestrel sockets rather than TestServer: a client that goes away must abort the request as it does in production.
        Scraper.UseKestrel(0);
        Scraper.StartServer();
    }

    public async ValueTask DisposeAsync()
    {
        await Scraper.DisposeAsync();
        await Site.DisposeAsync();
    }
}
