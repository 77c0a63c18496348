namespace Platform.Api.Formats.Text;

public static class TextFormatsExtensions
{
    /// <summary>
    /// Registers what the offline text formats need (<see cref="FormatsExtensions.AddFormats"/> registers the format
    /// classes themselves).
    /// </summary>
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
