using StackExchange.Redis;

#pragma warning disable CS0618 // the exceptions are built by hand here, as the library builds them

namespace Platform.Coordination.Tests;

/// <summary>
/// The trap <see cref="RedisFailures"/> exists for: a command that times out (in the multiplexer's backlog while Redis
/// is down, as a Scraper starting during a Redis outage saw) throws <see cref="RedisTimeoutException"/>, which a
/// <c>catch (RedisException)</c> does not catch.
/// </summary>
public sealed class RedisFailuresTests
{
    [Fact]
    public void A_timeout_is_a_Redis_failure_though_it_is_no_RedisException()
    {
        Exception timeout = new RedisTimeoutException("The message timed out in the backlog attempting to send because no connection became available", CommandStatus.WaitingInBacklog);

        Assert.False(timeout is RedisException);
        Assert.True(RedisFailures.IsFailure(timeout));
    }

    [Fact]
    public void Connection_and_server_errors_are_Redis_failures_and_other_errors_are_not()
    {
        Assert.True(RedisFailures.IsFailure(new RedisConnectionException(ConnectionFailureType.SocketClosed, "closed")));
        Assert.True(RedisFailures.IsFailure(new RedisServerException("READONLY You can't write against a read only replica.")));
        Assert.False(RedisFailures.IsFailure(new InvalidOperationException("a bug")));
        Assert.False(RedisFailures.IsFailure(new TimeoutException("not Redis's")));
    }
}
