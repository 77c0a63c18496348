using System.Text.Json;
using IServer = Microsoft.AspNetCore.Hosting.Server.IServer;
using Platform.Coordination;
using Microsoft.Extensions.Options;
using Platform.Scraper.Admission;
using Platform.Scraper.Capture;
using Platform.Scraper.Contracts;
using Platform.Scraper.Pages;
using StackExchange.Redis;

namespace Platform.Scraper.Capacity;

/// <summary>
/// Advertises this replica's capture capacity (<see cref="ScraperCapacity"/>: its own URL, its page count, 0 under
/// memory pressure, and its politeness limit) in the registry "platform:scrapers" every <see cref="ScraperRegistry.Interval"/>, so the Api's
/// dispatcher can reserve a page here before it claims a URL job and send the capture straight to this replica.
/// Owner: this hosted service (one per replica); bound: one registry write per interval; stops with the host and then
/// leaves the registry at once.
/// </summary>
public sealed class CapacityAdvertisement(
    IConnectionMultiplexer redis,
    PagePool pool,
    MemoryPressure memory,
    IOptionsMonitor<CaptureOptions> capture,
    IServer server,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<CapacityAdvertisement> logger) : BackgroundService
{
    private static readonly InstanceRegistry Registry = new(ScraperRegistry.Key);
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string? url = null;
        try
        {
            // The address is known only once the server listens.
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            {
                await started.Task.WaitAsync(stoppingToken);
            }
            url = ServerAddress.DirectUrl(server);
            if (url is null)
            {
                return; // an in-memory test server: nobody can reach it directly
            }
            using var timer = new PeriodicTimer(ScraperRegistry.Interval);
            do
            {
                await AdvertiseAsync(url);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            if (url is not null)
            {
                await Registry.LeaveAsync(redis.GetDatabase(), url, CommandFlags.FireAndForget);
            }
        }
    }

    private async Task AdvertiseAsync(string url)
    {
        try
        {
            var pages = memory.IsUnderPressure(out _) ? 0 : pool.Options.MaxPages;
            await Registry.WriteAsync(redis.GetDatabase(), url, JsonSerializer.Serialize(new ScraperCapacity(url, pages, capture.CurrentValue.PerHostConcurrency, _startedAt), JsonSerializerOptions.Web));
        }
        catch (Exception e) when (RedisFailures.IsFailure(e))
        {
            logger.LogDebug(e, "Capacity not advertised; Redis unavailable.");
        }
    }
}
