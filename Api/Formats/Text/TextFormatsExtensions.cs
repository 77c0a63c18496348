namespace Platform.Api.Formats.Text;

public static class TextFormatsExtensions
{
    /// <summary>
    /// Registers what the offline text formats need (<see cref="FormatsExtensions.AddFormats"/> registers the format
    /// classes themselves).
    /// </summary>
    public static IHostApplicationBuilder AddTextFormats(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<TextFormatsOptions>(TextFormatsOptions.Section)
            .Validate(o => o.SummarySentences <= o.MaxSummarySentences && o.Keywords <= o.MaxKeywords,
                "TextFormats: the default summary sentences and keywords must not exceed their maximums.");
        builder.Services.AddSingleton<TextFormatMetrics>();
        return builder;
    }
}
