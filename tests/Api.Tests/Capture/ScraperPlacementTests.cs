using Platform.Api.Capture;
using Platform.Scraper.Contracts;

namespace Platform.Api.Tests.Capture;

/// <summary>Which Scraper replica a capture's page is tried on first (<see cref="ScraperReservations.PlacementOrder"/>).</summary>
public sealed class ScraperPlacementTests
{
    private static readonly ScraperCapacity A = new("http://10.0.0.1:5001", 4, 2, DateTimeOffset.UnixEpoch);
    private static readonly ScraperCapacity B = new("http://10.0.0.2:5001", 4, 2, DateTimeOffset.UnixEpoch);
    private static readonly ScraperCapacity C = new("http://10.0.0.3:5001", 4, 2, DateTimeOffset.UnixEpoch);

    private static string[] Order(ScraperPlacement placement, int rotation, params (ScraperCapacity Scraper, int Free)[] seen) =>
        ScraperReservations.PlacementOrder([A, B, C], seen.ToDictionary(s => s.Scraper.Url, s => s.Free), placement, rotation)
            .Select(s => s.Url == A.Url ? "A" : s.Url == B.Url ? "B" : "C").ToArray();

    [Fact]
    public void Pack_fills_the_busiest_replica_with_a_free_page_and_tries_full_ones_last()
    {
        Assert.Equal(["B", "C", "A"], Order(ScraperPlacement.Pack, 0, (A, 4), (B, 1), (C, 3)));
        Assert.Equal(["C", "A", "B"], Order(ScraperPlacement.Pack, 0, (A, 4), (B, 0), (C, 3)));
    }

    [Fact]
    public void Pack_with_every_replica_idle_always_starts_with_the_same_one()
    {
        foreach (var rotation in new[] { 0, 1, 2, 7, int.MaxValue })
        {
            Assert.Equal(["A", "B", "C"], Order(ScraperPlacement.Pack, rotation));
        }
    }

    [Fact]
    public void Spread_takes_the_most_free_pages_first_and_rotates_among_equals()
    {
        Assert.Equal(["A", "C", "B"], Order(ScraperPlacement.Spread, 0, (A, 4), (B, 1), (C, 3)));
        var firsts = Enumerable.Range(0, 3).Select(r => Order(ScraperPlacement.Spread, r)[0]).ToHashSet();
        Assert.Equal(3, firsts.Count);
        Assert.Equal(3, Order(ScraperPlacement.Spread, int.MaxValue).Length);
    }

    [Fact]
    public void A_replica_advertising_no_page_is_never_tried()
    {
        var none = A with { Pages = 0 };
        var order = ScraperReservations.PlacementOrder([none, B], new Dictionary<string, int>(), ScraperPlacement.Pack, 0);
        Assert.Equal([B.Url], order.Select(s => s.Url));
    }
}
