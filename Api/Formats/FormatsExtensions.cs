using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Api.Formats.Diagnostics;

namespace Platform.Api.Formats;

public static class FormatsExtensions
{
    /// <summary>
    /// Registers every <see cref="IFormatProcessor"/> of this assembly (a new format is a new class), the registry, and
    /// the fallback capture service and capacity — only if no module registered real ones.
    /// </summary>
    public static IHostApplicationBuilder AddFormats(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<DiagnosticsOptions>(DiagnosticsOptions.Section);
        var processors = typeof(FormatsExtensions).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IFormatProcessor).IsAssignableFrom(t));
        foreach (var processor in processors)
        {
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IFormatProcessor), processor));
        }
        builder.Services.AddSingleton<FormatRegistry>();
        builder.Services.TryAddSingleton<ICaptureService, UnavailableCaptureService>();
        builder.Services.TryAddSingleton<ICaptureCapacity, UnlimitedCaptureCapacity>();
        return builder;
    }
}
