namespace Platform.Api.Admission;

public static class AdmissionExtensions
{
    /// <summary>Registers the admission options (validated at start-up) and the pressure reading.</summary>
    public static IHostApplicationBuilder AddAdmission(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<AdmissionOptions>(AdmissionOptions.Section);
        builder.Services.AddSingleton<AdmissionMetrics>();
        builder.Services.AddSingleton<ReplicaPressure>();
        return builder;
    }
}
