using Platform.Api.Formats;
using Platform.Api.Formats.Diagnostics;
using Platform.Api.Formats.Text;
using Platform.Api.Ops;

namespace Platform.Api.Tests.Jobs;

public sealed class FormatRegistryTests
{
    [Fact]
    public void Lists_capture_formats_and_enabled_processors()
    {
        var registry = new FormatRegistry([new TextStatsFormat(), new DiagnosticFormat(Microsoft.Extensions.Options.Options.Create(new DiagnosticsOptions()), TimeProvider.System)]);
        Assert.Equal(["html", "links", "markdown", "metadata", "pdf", "screenshot", "text", "text-stats"], registry.All.Select(f => f.Name));
        Assert.True(registry.Find("screenshot")!.NeedsCapture);
        Assert.Null(registry.FindProcessor("screenshot"));
        Assert.NotNull(registry.FindProcessor("text-stats"));
        Assert.Null(registry.Find("diagnostic"));
    }

    [Fact]
    public void Diagnostic_format_exists_only_when_enabled()
    {
        var enabled = new DiagnosticFormat(Microsoft.Extensions.Options.Options.Create(new DiagnosticsOptions { EnableFaultFormats = true }), TimeProvider.System);
        Assert.NotNull(new FormatRegistry([enabled]).FindProcessor("diagnostic"));
    }

    [Fact]
    public void A_format_registered_twice_is_an_error() =>
        Assert.Throws<InvalidOperationException>(() => new FormatRegistry([new TextStatsFormat(), new TextStatsFormat()]));

    [Fact]
    public void Text_stats_counts_and_guesses_the_language()
    {
        var stats = TextStatsFormat.Analyze("The cat sat on the mat. It was a sunny day! Was it not?\n\nA second paragraph is here.", TestContext.Current.CancellationToken);
        Assert.Equal(19, stats.Words);
        Assert.Equal(4, stats.Sentences);
        Assert.Equal(2, stats.Paragraphs);
        Assert.Equal("en", stats.Language);
        Assert.Equal("de", TextStatsFormat.Analyze("Der Hund und die Katze sind nicht im Haus, das ist auch gut so.", TestContext.Current.CancellationToken).Language);
        Assert.Equal(1, TextStatsFormat.Analyze(string.Join(' ', Enumerable.Repeat("word", 238)), TestContext.Current.CancellationToken).ReadingTimeSeconds / 60);
    }

    [Theory]
    [InlineData("service.instance.id=api-1", "api-1")]
    [InlineData("deployment.environment=test, service.instance.id=api-0 ", "api-0")]
    [InlineData("service.name=api", null)]
    [InlineData(null, null)]
    public void Instance_id_comes_from_the_otel_resource_attributes(string? attributes, string? expected) =>
        Assert.Equal(expected, InstanceIdentity.FromResourceAttributes(attributes));
}
