namespace Platform.Api.Ops;

public static class OpsExtensions
{
    /// <summary>What operators see and do: this replica's identity and heartbeat, the cluster queries, the drain switch.</summary>
    public static IHostApplicationBuilder AddOps(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.AddValidatedOptions<DrainOptions>(DrainOptions.Section);
        services.AddSingleton<InstanceIdentity>();
        services.AddScoped<OpsQueries>();
        services.AddHostedService<InstanceHeartbeat>();
        services.AddSingleton<ReplicaDrain>();
        services.AddHealthChecks().AddCheck<ReplicaDrain>("drain");
        return builder;
    }
}
