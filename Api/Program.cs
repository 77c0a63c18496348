var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

// AppHost runs `Api --migrate` once before starting the replicas, so replicas never race to migrate.
if (args.Contains("--migrate"))
{
    await app.MigrateDatabaseAsync();
    return;
}

app.MapDefaultEndpoints();

app.Run();
