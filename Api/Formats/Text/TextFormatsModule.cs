using Platform.Api.Extensions;

namespace Platform.Api.Formats.Text;

/// <summary>Registers what the offline text formats need; the engine discovers the format classes themselves.</summary>
public sealed class TextFormatsModule : IApiModule
{
    public void AddServices(IHostApplicationBuilder builder) => builder.AddTextFormats();
}

public static class TextFormatsExtensions
{
    public static IHostApplicationBuilder AddTextFormats(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TextFormatsOptions>()
            .Bind(builder.Configuration.GetSection(TextFormatsOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.SummarySentences <= o.MaxSummarySentences && o.Keywords <= o.MaxKeywords,
                "TextFormats: the default summary sentences and keywords must not exceed their maximums.")
            .ValidateOnStart();
        builder.Services.AddSingleton<TextFormatMetrics>();
        return builder;
    }
}
