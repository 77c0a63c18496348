using Platform.Scraper.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapCapturesApi();

app.Run();

// Lets tests host the Scraper in-process (WebApplicationFactory<Program>).
public partial class Program;
