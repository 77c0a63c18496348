using Microsoft.Extensions.DependencyInjection;
using Platform.Coordination;
using Platform.Scraper.Contracts;
using Platform.Scraper.Tests.Infrastructure;

namespace Platform.Scraper.Tests;

public sealed class OnePerHostFixture(AppHostRedis redis) : ScraperFixture(redis)
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Capture:PerHostConcurrency"] = "1", ["Capture:HostWaitTimeoutMs"] = "60000", ["PagePool:MaxPages"] = "4",
    };
}

/// <summary>Politeness is per server really fetched: other names for the same server must queue behind each other.</summary>
public sealed class HostPolitenessTests(OnePerHostFixture fixture) : IClassFixture<OnePerHostFixture>
{
    [Fact]
    public async Task An_ip_literal_another_name_and_a_mapped_address_of_one_server_share_its_single_slot()
    {
        var ct = TestContext.Current.CancellationToken;
        fixture.Site.ResetCounters();
        using var client = fixture.Scraper.CreateScraperClient();
        var port = fixture.Site.BaseUrl.Port;
        string[] urls =
        [
            $"http://127.0.0.1:{port}/slow?ms=1500",
            $"http://localhost:{port}/slow?ms=1500",
            $"http://[::ffff:127.0.0.1]:{port}/slow?ms=1500",
        ];

        var runs = await Task.WhenAll(urls.Select(url => CaptureCalls.RunAsync(client, new CaptureRequest { Url = url, Outputs = [CaptureOutput.Html] }, ct)));

        Assert.All(runs, run => Assert.NotNull(run.Result));
        Assert.Equal(1, fixture.Site.PeakInFlight("127.0.0.1"));
    }

    [Fact]
    public async Task A_capture_whose_caller_holds_the_hosts_slot_runs_at_once_and_one_with_a_stale_reservation_waits_for_a_slot()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = fixture.Scraper.CreateScraperClient();
        var semaphore = fixture.Scraper.Services.GetRequiredService<IDistributedSemaphore>();
        var target = fixture.Site.Url("slow?ms=200", host: 1);
        var resource = TargetServer.PolitenessResource(System.Net.IPAddress.Parse(target.Host));

        // The caller (the Api's dispatcher, here the test) holds the host's only slot for the whole test.
        await using var reserved = await semaphore.TryAcquireAsync(resource, 1, ct);
        Assert.NotNull(reserved);
        var stale = semaphore.TryAcquireAsync(resource, 1, ct);

        var honoured = await CaptureCalls.RunAsync(client, new CaptureRequest
        {
            Url = target.AbsoluteUri, Outputs = [CaptureOutput.Html], HostReservation = new HostReservation(resource, reserved.LeaseId),
        }, ct).WaitAsync(TimeSpan.FromSeconds(45), ct);
        Assert.NotNull(honoured.Result);

        // A reservation that is not held (released, expired or made up) is not honoured: that capture queues for the slot.
        var waiting = CaptureCalls.RunAsync(client, new CaptureRequest
        {
            Url = target.AbsoluteUri, Outputs = [CaptureOutput.Html], HostReservation = new HostReservation(resource, "gone:1:lease"),
        }, ct);
        var other = CaptureCalls.RunAsync(client, new CaptureRequest
        {
            Url = fixture.Site.Url("slow?ms=200", host: 2).AbsoluteUri, Outputs = [CaptureOutput.Html],
            HostReservation = new HostReservation(resource, reserved.LeaseId), // another server's slot: not this one's
        }, ct);
        Assert.NotNull((await other.WaitAsync(TimeSpan.FromSeconds(45), ct)).Result);
        Assert.False(waiting.IsCompleted, "a capture with a reservation nobody holds went ahead while the host's only slot was taken");
        Assert.Null(await stale);

        await reserved.DisposeAsync();
        Assert.NotNull((await waiting.WaitAsync(TimeSpan.FromSeconds(45), ct)).Result);
    }
}
