var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.KeepToEndpointsForBuildTimeRun();

var app = builder.Build();

// AppHost runs `Api --migrate` once before starting the replicas, so replicas never race to migrate.
if (args.Contains("--migrate"))
{
    await app.MigrateDatabaseAsync();
    return;
}

app.UseApiPipeline();
app.MapDefaultEndpoints();

app.MapAccountApi();
app.MapFormatsApi();
app.MapJobsApi().RequireAuthorization();
app.MapUsageApi().RequireAuthorization();
app.MapOpsApi().RequireAuthorization(AccountOptions.AdminPolicy);
app.MapJobsHub();
app.MapDrainEndpoint();

app.Run();
