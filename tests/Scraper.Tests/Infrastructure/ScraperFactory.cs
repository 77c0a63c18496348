using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Scraper.Apis;
using Platform.Scraper.Browser;
using Platform.Scraper.Contracts;
using Platform.Scraper.Pages;

using Platform.Fixtures;

namespace Platform.Scraper.Tests.Infrastructure;

/// <summary>The Scraper hosted in-process over real Chromium and a real Redis; settings are Scraper configuration keys.</summary>
public sealed class ScraperFactory(string redisConnectionString, IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:redis", redisConnectionString);
        builder.UseSetting("Capture:AllowPrivateNetworks", "true");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public BrowserHost Browsers => Services.GetRequiredService<BrowserHost>();
    public PagePool Pool => Services.GetRequiredService<PagePool>();

    /// <summary>Waits (up to 30 s) until Chromium is launched and connected.</summary>
    public async Task WaitForBrowserAsync(CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!Browsers.IsConnected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, ct);
        }
        Xunit.Assert.True(Browsers.IsConnected, "Chromium is not connected");
    }

    public HttpClient CreateScraperClient()
    {
        var client = CreateClient();
        client.Timeout = TimeSpan.FromMinutes(3);
        return client;
    }

    public async Task<CaptureStats> StatsAsync(long? since = null)
    {
        using var client = CreateClient();
        return (await client.GetFromJsonAsync<CaptureStats>(since is null ? "/captures/stats" : $"/captures/stats?since={since}", CaptureStream.Json))!;
    }
}

/// <summary>Helpers to post a capture and read its frames.</summary>
public static class CaptureCalls
{
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, CaptureRequest request, CancellationToken ct = default)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, "/captures") { Content = JsonContent.Create(request, options: CaptureStream.Json) };
        return await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    public static async Task<CaptureRun> RunAsync(HttpClient client, CaptureRequest request, CancellationToken ct = default)
    {
        using var response = await PostAsync(client, request, ct);
        if (!response.IsSuccessStatusCode)
        {
            return new CaptureRun(response.StatusCode, [], await response.Content.ReadAsStringAsync(ct), response.Headers.RetryAfter?.Delta);
        }
        var frames = new List<CaptureFrame>();
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        await foreach (var frame in CaptureStreamReader.ReadAsync(stream, ct))
        {
            frames.Add(frame);
        }
        return new CaptureRun(response.StatusCode, frames, null, null);
    }
}

public sealed record CaptureRun(System.Net.HttpStatusCode Status, IReadOnlyList<CaptureFrame> Frames, string? ProblemBody, TimeSpan? RetryAfter)
{
    public CaptureFrame? Result => Frames.SingleOrDefault(f => f.Type == CaptureFrame.Types.Result);
    public CaptureFrame? Error => Frames.FirstOrDefault(f => f.Type == CaptureFrame.Types.Error && f.Output is null);
    public CaptureFrame Output(string name) => Frames.Single(f => f.Type == CaptureFrame.Types.Output && f.Output == name);
    public string Text(string name) => Output(name).Data!.Value.GetString()!;
    public IReadOnlyList<string> Stages => [.. Frames.Where(f => f.Type == CaptureFrame.Types.Progress).Select(f => f.Stage!)];
}
