namespace Platform.Api.Dispatch;

public static class DispatchExtensions
{
    /// <summary>Dispatch and execution, one of each per replica: the queue, leases and fencing, retries, cancel signals.</summary>
    public static IHostApplicationBuilder AddDispatch(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.AddValidatedOptions<LeaseOptions>(LeaseOptions.Section);
        builder.AddValidatedOptions<DispatchOptions>(DispatchOptions.Section);
        builder.AddValidatedOptions<TaskRetryOptions>(TaskRetryOptions.Section);
        services.AddSingleton<ExecutingJobs>();
        services.AddSingleton<DispatchSignal>();
        services.AddSingleton<DispatchNotifier>();
        services.AddSingleton<JobQueue>();
        services.AddSingleton<QueueWaits>();
        services.AddSingleton<FencedJobWriter>();
        services.AddSingleton<TaskRetryPolicy>();
        services.AddSingleton<JobExecutor>();
        services.AddSingleton<CancelSignals>();
        services.AddHostedService(sp => sp.GetRequiredService<CancelSignals>());
        services.AddHostedService<DispatchNotificationListener>();
        // Hosts stop services in reverse order: the keeper goes on renewing (and seeing cancels) while the dispatcher
        // stops and hands its runs back.
        services.AddHostedService<LeaseKeeper>();
        services.AddHostedService<JobDispatcher>();
        services.AddHostedService<LeaseRescuer>();
        return builder;
    }
}
