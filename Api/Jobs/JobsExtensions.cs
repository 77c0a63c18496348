using Platform.Api.Jobs.Submission;

namespace Platform.Api.Jobs;

public static class JobsExtensions
{
    /// <summary>The jobs themselves: limits, submission (validated at the edge), reads, commands and the engine's meter.</summary>
    public static IHostApplicationBuilder AddJobs(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.AddValidatedOptions<JobLimitsOptions>(JobLimitsOptions.Section);
        builder.AddValidatedOptions<SubmissionLimits>(SubmissionLimits.Section);
        builder.AddValidatedOptions<CaptureTargetOptions>(CaptureTargetOptions.Section);
        services.AddSingleton<JobMetrics>();
        services.AddScoped<JobRequestValidator>();
        services.AddScoped<JobQueries>();
        services.AddSingleton<JobSubmitter>();
        services.AddSingleton<JobCommands>();
        return builder;
    }
}
