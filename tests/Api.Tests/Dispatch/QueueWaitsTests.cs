using Platform.Api.Dispatch;
using Platform.Api.Formats;

namespace Platform.Api.Tests.Dispatch;

public sealed class QueueWaitsTests
{
    private static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid(), C = Guid.NewGuid(), D = Guid.NewGuid();

    private static readonly List<(Guid Id, string? Url, string? Target)> Queue =
    [
        (A, "http://busy.example/1", "192.0.2.1"),
        (B, "http://busy.example/2", "192.0.2.1"),
        (C, "http://calm.example/", "192.0.2.2"),
        (D, null, null),
    ];

    [Fact]
    public void Jobs_of_a_full_host_wait_for_it_in_order_and_the_others_move_up_past_them()
    {
        var view = new CaptureCapacityView(new Dictionary<string, int> { ["192.0.2.1"] = 0, ["192.0.2.2"] = 2 }, FreePages: 3);

        var standings = QueueWaits.Rank(Queue, userFull: false, view);

        Assert.Equal(new QueueStanding(1, WaitReasons.Host, "busy.example"), standings[A]);
        Assert.Equal(new QueueStanding(2, WaitReasons.Host, "busy.example"), standings[B]);
        Assert.Equal(new QueueStanding(1, WaitReasons.Ready, null), standings[C]);
        Assert.Equal(new QueueStanding(2, WaitReasons.Ready, null), standings[D]);
    }

    [Fact]
    public void The_users_own_limit_comes_first_then_redis_then_the_host_then_a_page()
    {
        var full = new CaptureCapacityView(new Dictionary<string, int> { ["192.0.2.1"] = 0, ["192.0.2.2"] = 1 }, FreePages: 0);

        Assert.Equal(WaitReasons.UserLimit, QueueWaits.Classify(userFull: true, isUrl: true, "192.0.2.1", full));
        Assert.Equal(WaitReasons.Coordination, QueueWaits.Classify(userFull: false, isUrl: true, "192.0.2.1", view: null));
        Assert.Equal(WaitReasons.Ready, QueueWaits.Classify(userFull: false, isUrl: false, null, view: null));
        Assert.Equal(WaitReasons.Host, QueueWaits.Classify(userFull: false, isUrl: true, "192.0.2.1", full));
        Assert.Equal(WaitReasons.Scraper, QueueWaits.Classify(userFull: false, isUrl: true, "192.0.2.2", full));
        Assert.Equal(WaitReasons.Ready, QueueWaits.Classify(userFull: false, isUrl: true, "192.0.2.2", CaptureCapacityView.Unlimited));
    }
}
