using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.Coordination.Tests;

public sealed class OptionsTests
{
    private static IServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddLogging()
            .AddCoordination(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();

    [Fact]
    public void Defaults_are_a_15_second_lease_renewed_every_5_seconds()
    {
        var options = Build([]).GetRequiredService<IOptions<CoordinationOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(15), options.LeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(5), options.RenewInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), options.WaitPollInterval);
    }

    [Fact]
    public void Section_Coordination_is_bound()
    {
        var options = Build(new() { ["Coordination:LeaseDuration"] = "00:00:30", ["Coordination:RenewInterval"] = "00:00:10" })
            .GetRequiredService<IOptions<CoordinationOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(30), options.LeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(10), options.RenewInterval);
    }

    [Fact]
    public void Start_up_fails_when_the_renew_interval_is_not_under_half_the_lease()
    {
        var services = Build(new() { ["Coordination:LeaseDuration"] = "00:00:10", ["Coordination:RenewInterval"] = "00:00:05" });
        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("RenewInterval", failure.Message);
    }

    [Theory]
    [InlineData("Coordination:LeaseDuration", "00:00:00.050")]
    [InlineData("Coordination:LeaseDuration", "2.00:00:00")]
    [InlineData("Coordination:WaitPollInterval", "00:00:00")]
    [InlineData("Coordination:RenewInterval", "-00:00:01")]
    public void Start_up_fails_on_out_of_range_values(string key, string value)
    {
        var services = Build(new() { [key] = value });
        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(key.Split(':')[1], failure.Message);
    }
}
