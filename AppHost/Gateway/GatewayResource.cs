using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Platform.AppHost.Orchestration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Transforms;

namespace Platform.AppHost.Gateway;

internal sealed record GatewaySettings(int Port, string StaticFilesRoot, string EnvironmentName, TimeSpan HealthCheckInterval);

/// <summary>
/// The one public port, hosted inside the AppHost process: YARP in front of the Api replicas (/api, /hubs), the built
/// SPA for everything else, and its own /health, /alive and /metrics from ServiceDefaults.
/// </summary>
internal sealed class GatewayResource : Resource
{
    private readonly WebApplication _app;
    private readonly ReplicaHealthPublisher _publisher;
    private readonly Func<CancellationToken, Task<bool>> _probe;

    private GatewayResource(WebApplication app, Uri url, ResourceLog log) : base("gateway", log)
    {
        _app = app;
        Url = url;
        _publisher = app.Services.GetRequiredService<ReplicaHealthPublisher>();
        _probe = HealthProbes.Http200(url);
    }

    public override Uri Url { get; }

    public override int? Pid => Environment.ProcessId;

    public static async Task<GatewayResource> StartAsync(GatewaySettings settings, IReadOnlyList<Resource> apiReplicas, ResourceLog log, CancellationToken ct)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = settings.EnvironmentName,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ResourceLogLoggerProvider(log));
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        // Probe failures of replicas that are starting or restarting are expected; the supervisor logs real exits.
        builder.Logging.AddFilter("Yarp.ReverseProxy.Health", LogLevel.Error);
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Error); // "0/2 Api replicas" while they start
        // YARP's (unused) data-protected "Cookie" affinity policy creates a key ring at start and warns it is unencrypted.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // A dynamic port cannot be bound on "localhost" (two sockets, one port), so tests get 127.0.0.1 only.
            if (settings.Port == 0)
            {
                kestrel.Listen(IPAddress.Loopback, 0);
            }
            else
            {
                kestrel.ListenLocalhost(settings.Port);
            }
        });
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        builder.AddServiceDefaults();

        builder.Services.AddSingleton(new ApiReplicaSet(apiReplicas));
        builder.Services.AddSingleton<IActiveHealthCheckPolicy, SupervisedHealthPolicy>();
        builder.Services.AddSingleton<ReplicaHealthPublisher>();
        builder.Services.AddReverseProxy()
            .LoadFromMemory(GatewayProxyConfig.Routes, GatewayProxyConfig.Clusters(apiReplicas, settings.HealthCheckInterval))
            .AddTransforms(context => context.AddResponseTransform(GatewayProxyConfig.AddReplicaHeader));
        builder.Services.AddHealthChecks().AddCheck<ApiReplicasHealthCheck>("api-replicas");

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapReverseProxy();
        app.MapSpa(settings.StaticFilesRoot, log);

        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException e) when (settings.Port != 0)
        {
            await app.DisposeAsync();
            throw new InvalidOperationException($"The gateway cannot listen on port {settings.Port} ({e.Message}). Choose another with --port N or PLATFORM_PORT.", e);
        }

        try
        {
            var url = settings.Port == 0
                ? new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First())
                : new Uri($"http://localhost:{settings.Port}/");
            var gateway = new GatewayResource(app, url, log);
            gateway._publisher.Start();
            await gateway.WaitHealthyAsync(ct);
            return gateway;
        }
        catch
        {
            // Start-up was cancelled or failed: nobody else holds this host to stop it.
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            throw;
        }
    }

    public override async Task WaitHealthyAsync(CancellationToken ct = default)
    {
        while (!await _probe(ct))
        {
            await Task.Delay(200, ct);
        }
        SetState(ResourceState.Healthy);
    }

    public async Task StopAsync()
    {
        SetState(ResourceState.Stopping);
        _publisher.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
        SetState(ResourceState.Stopped);
    }
}
