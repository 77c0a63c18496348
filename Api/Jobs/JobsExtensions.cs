using Platform.Api.Jobs.Submission;

namespace Platform.Api.Jobs;

public static class JobsExtensions
{
    /// <summary>The jobs themselves: limits, submission (validated at the edge), reads, commands and the engine's meter.</summary>
    public static IHostApplicationBuilder AddJobs(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<JobLimitsOptions>().BindConfiguration(JobLimitsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SubmissionLimits>().BindConfiguration(SubmissionLimits.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CaptureTargetOptions>().BindConfiguration(CaptureTargetOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<JobMetrics>();
        services.AddScoped<JobRequestValidator>();
        services.AddScoped<JobQueries>();
        services.AddSingleton<JobSubmitter>();
        services.AddSingleton<JobCommands>();
        return builder;
    }
}
