using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.Api.Formats;
using Platform.Api.Formats.Text;

namespace Platform.Api.Tests.Formats;

/// <summary>Builds the offline formats with default settings and runs them on a fixture the way the executor does.</summary>
internal static class TextFormatTestKit
{
    public static readonly IOptions<TextFormatsOptions> Settings = Options.Create(new TextFormatsOptions());
    public static readonly TextFormatMetrics Metrics = new(new NoMeterFactory());

    public static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Formats", "Fixtures", name));

    public static async Task<string> RunAsync(IFormatProcessor format, string text, string? optionsJson = null)
    {
        var options = optionsJson is null ? (JsonElement?)null : JsonDocument.Parse(optionsJson).RootElement;
        var output = await format.ProcessAsync(FormatContext.ForText(format.Descriptor.Name, text, options), TestContext.Current.CancellationToken);
        Assert.Equal(format.Descriptor.ContentType, output.ContentType);
        return Encoding.UTF8.GetString(output.Bytes);
    }

    private sealed class NoMeterFactory : IMeterFactory
    {
        public Meter Create(MeterOptions options) => new(options);
        public void Dispose() { }
    }
}
