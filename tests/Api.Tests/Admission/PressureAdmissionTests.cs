using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Admission;
using Platform.ServiceDefaults;

namespace Platform.Api.Tests.Admission;

/// <summary>
/// DESIGN "Limits" (issue 13, item 12): a replica short of memory (or CPU) refuses new work with 503 + Retry-After
/// problem details, and reads go on. The thresholds are options, so a test can set one below what the machine uses now.
/// </summary>
public sealed class PressureAdmissionTests
{
    private static async Task<(WebApplication App, HttpClient Client)> StartAsync(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.AddAdmission();
        var app = builder.Build();
        app.MapPost("/work", () => TypedResults.Accepted("/work/1")).RefusedUnderPressure();
        app.MapGet("/work", () => TypedResults.Ok("read"));
        await app.StartAsync(TestContext.Current.CancellationToken);
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return (app, new HttpClient { BaseAddress = new Uri(url) });
    }

    [Fact]
    public async Task New_work_is_refused_with_503_retry_after_problem_details_when_memory_use_is_over_the_threshold()
    {
        // Any process uses more than 0.01 % of its memory limit.
        var (app, client) = await StartAsync(new() { ["Admission:MemoryPressureRatio"] = "0.0001", ["Admission:RetryAfter"] = "00:00:07" });
        await using var _ = app;
        using var __ = client;

        using var refused = await client.PostAsync("/work", null, TestContext.Current.CancellationToken);
        using var read = await client.GetAsync("/work", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("memory", await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task New_work_is_admitted_below_the_thresholds()
    {
        var (app, client) = await StartAsync(new() { ["Admission:MemoryPressureRatio"] = "1" });
        await using var _ = app;
        using var __ = client;

        using var accepted = await client.PostAsync("/work", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    [Fact]
    public async Task Cpu_pressure_refuses_new_work_when_a_cpu_threshold_is_set_and_reached()
    {
        Assert.SkipWhen(CpuPressure.ReadShareOfLastMinute() is null, "This kernel reports no CPU pressure (PSI).");
        var (app, client) = await StartAsync(new() { ["Admission:MemoryPressureRatio"] = "1", ["Admission:CpuPressureRatio"] = "0" });
        await using var _ = app;
        using var __ = client;

        using var refused = await client.PostAsync("/work", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("CPU", await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Memory_use_is_read_from_the_cgroup_or_the_machine()
    {
        var reading = MemoryUsage.Read();
        Assert.InRange(reading.UsedBytes, 1, reading.LimitBytes);
    }
}
