using Platform.AppHost;

// The Platform on one machine (docs/architecture.md, "AppHost"). Settings: AppHostSettings.cs.
var builder = DistributedApplication.CreateBuilder(args);
var settings = AppHostSettings.From(builder);
builder.Services.AddHostedService<ResourceStateLog>();

// Backing services: Debian's servers as executables, or the servers in ConnectionStrings__redis / __platform.
var redis = builder.AddRedisServer("redis", settings.DataDirectory);
var platformDb = builder.AddPlatformDatabase("postgres", "platform", settings);

// Services
var migration = builder.AddProject<Projects.Api>("migration", launchProfileName: null)
    .WithArgs("--migrate")
    .WithReference(platformDb).WaitFor(platformDb);

var scraper = builder.AddProject<Projects.Scraper>("scraper", launchProfileName: null)
    .WithHttpEndpoint().WithHttpHealthCheck("/health")
    .WithReplicas(settings.ScraperReplicas)
    .WithReference(redis).WaitFor(redis)
    .WithRestartOnCrash(settings.RestartDelay)
    .WithGracefulStop(settings.StopTimeout);

var api = builder.AddProject<Projects.Api>("api", launchProfileName: null)
    .WithHttpEndpoint().WithHttpHealthCheck("/health")
    .WithReplicas(settings.ApiReplicas)
    .WithReference(redis).WithReference(platformDb).WithReference(scraper)
    .WaitFor(redis).WaitForCompletion(migration)
    .WithRestartOnCrash(settings.RestartDelay)
    .WithGracefulStop(settings.StopTimeout)
    .WithDrainCommand();

// Gateway
builder.AddProject<Projects.Gateway>("gateway", launchProfileName: null)
    .WithPublicHttpEndpoint(settings.Port)
    .WithHttpHealthCheck("/health")
    .WithReference(api).WithReference(redis)
    .WithEnvironment("Gateway__StaticFilesRoot", settings.StaticFilesRoot)
    .WaitFor(redis)
    .WithRestartOnCrash(settings.RestartDelay)
    .WithGracefulStop(settings.StopTimeout);

builder.Build().Run();
