namespace Platform.Api.Extensions;

/// <summary>
/// A feature folder's own service registrations (e.g. Api/Capture registers its Scraper client and ICaptureService).
/// AddApplicationServices finds every implementation in this assembly and calls it before the job engine's defaults,
/// so a feature plugs in without editing the engine's wiring. Needs a public parameterless constructor.
/// </summary>
public interface IApiModule
{
    void AddServices(IHostApplicationBuilder builder);
}
