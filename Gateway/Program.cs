using Platform.Gateway.Extensions;
using Platform.Gateway.Proxy;
using Platform.Gateway.Spa;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseProxyProblems();
app.MapReverseProxy();
app.MapSpa();

app.Run();
