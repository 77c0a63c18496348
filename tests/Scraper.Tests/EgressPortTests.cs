using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Scraper.Capture;
using Platform.Scraper.Diagnostics;

namespace Platform.Scraper.Tests;

/// <summary>The egress proxy's own decisions on CONNECT targets, over a real loopback socket (no browser).</summary>
public sealed class EgressPortTests
{
    private static async Task<string> ConnectThroughAsync(EgressProxy proxy, string target)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, proxy.Address.Port, TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n"), TestContext.Current.CancellationToken);
        var buffer = new byte[4096];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var read = await stream.ReadAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    private static EgressProxy Proxy(CaptureOptions options)
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var monitor = new FixedOptions<CaptureOptions>(options);
        return new EgressProxy(new AddressPolicy(monitor, new HostResolver(monitor)), new ScraperMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            NullLogger<EgressProxy>.Instance);
    }

    [Theory]
    [InlineData("93.184.216.34:6379")]
    [InlineData("93.184.216.34:22")]
    [InlineData("93.184.216.34:5432")]
    [InlineData("[2606:4700::1111]:25")]
    public async Task Connect_to_a_public_host_on_a_port_other_than_80_or_443_is_refused(string target)
    {
        await using var proxy = Proxy(new CaptureOptions());

        var response = await ConnectThroughAsync(proxy, target);

        Assert.StartsWith("HTTP/1.1 403", response);
        Assert.Contains("port", response);
        Assert.Equal(1, proxy.Blocked);
    }

    [Fact]
    public async Task Connect_to_a_port_the_operator_allowed_is_attempted()
    {
        await using var proxy = Proxy(new CaptureOptions { AdditionalPorts = [6379] });

        // No internet here: the connect itself fails (502), but the policy let it through (not 403).
        var response = await ConnectThroughAsync(proxy, "93.184.216.34:6379");

        Assert.DoesNotContain("403", response.Split("\r\n")[0]);
        Assert.Equal(0, proxy.Blocked);
    }
}

internal sealed class FixedOptions<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;
    public T Get(string? name) => value;
    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
