using System.Net;
using Platform.Scraper.Capture;

namespace Platform.Scraper.Tests;

public sealed class AddressPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.10.20")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("64:ff9b::a00:1")]
    [InlineData("64:ff9b:1::a00:1")]
    [InlineData("64:ff9b:1:7f00:0:100::")]
    [InlineData("::7f00:1")]
    [InlineData("::a00:1")]
    [InlineData("2002:7f00:1::")]
    [InlineData("2002:c0a8:101::1")]
    [InlineData("2001:0:4136:e378:8000:63bf:f5ff:fffe")]
    [InlineData("2001:0:a00:1::1")]
    [InlineData("100::1")]
    [InlineData("fec0::1")]
    [InlineData("3fff::1")]
    public void Loopback_private_link_local_and_reserved_addresses_are_not_public(string address) =>
        Assert.True(AddressPolicy.IsNonPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("172.32.0.1")]
    [InlineData("8.8.8.8")]
    [InlineData("2606:4700::1111")]
    [InlineData("::ffff:93.184.216.34")]
    [InlineData("64:ff9b::5db8:d822")]
    [InlineData("2002:5db8:d822::1")]
    public void Public_addresses_are_public(string address) =>
        Assert.False(AddressPolicy.IsNonPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("fd00:ec2::254")]
    [InlineData("168.63.129.16")]
    [InlineData("::ffff:168.63.129.16")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("::a9fe:a9fe")]
    [InlineData("2002:a9fe:a9fe::")]
    [InlineData("2001:0:4136:e378:8000:63bf:5601:5601")]
    public void Metadata_addresses_are_recognised(string address) =>
        Assert.True(AddressPolicy.IsMetadata(IPAddress.Parse(address)));
}

public sealed class AddressPolicyPortTests
{
    private static AddressPolicy Policy(CaptureOptions options)
    {
        var monitor = new FixedOptions<CaptureOptions>(options);
        return new AddressPolicy(monitor, new HostResolver(monitor));
    }

    [Theory]
    [InlineData("http://93.184.216.34:6379/")]
    [InlineData("https://93.184.216.34:8443/")]
    public async Task Public_targets_on_other_ports_are_refused(string url)
    {
        var policy = Policy(new CaptureOptions());
        Assert.Contains("port", await policy.CheckAsync(new Uri(url), TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("http://93.184.216.34/")]
    [InlineData("https://93.184.216.34/")]
    public async Task Public_targets_on_80_and_443_are_allowed(string url)
    {
        var policy = Policy(new CaptureOptions());
        Assert.Null(await policy.CheckAsync(new Uri(url), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Metadata_stays_refused_when_private_networks_are_allowed()
    {
        var policy = Policy(new CaptureOptions { AllowPrivateNetworks = true });
        Assert.Contains("metadata", await policy.CheckAsync(new Uri("http://168.63.129.16/"), TestContext.Current.CancellationToken));
        Assert.Contains("metadata", await policy.CheckAsync(new Uri("http://[64:ff9b::a9fe:a9fe]/"), TestContext.Current.CancellationToken));
    }
}
