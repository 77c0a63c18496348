namespace Platform.Api.Security;

public static class SecurityExtensions
{
    /// <summary>The client's address behind the gateway, the abuse limits (Redis) and the cross-site request guard's options.</summary>
    public static IHostApplicationBuilder AddAbuseProtection(this IHostApplicationBuilder builder)
    {
        builder.AddClientAddress();
        builder.AddValidatedOptions<AbuseLimitsOptions, AbuseLimitsOptionsValidator>(AbuseLimitsOptions.Section);
        builder.Services.AddSingleton<SecurityMetrics>();
        builder.Services.AddSingleton<AbuseLimits>();
        builder.AddValidatedOptions<CrossSiteOptions>(CrossSiteOptions.Section)
            .Validate(o => o.AllowedOrigins.All(origin => Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"),
                $"{CrossSiteOptions.Section}:AllowedOrigins must be http(s) origins, e.g. https://platform.example.com.");
        return builder;
    }

    /// <summary>First in the pipeline: the client's address, scheme and host from the trusted gateway.</summary>
    public static IApplicationBuilder UseClientAddress(this IApplicationBuilder app) => app.UseForwardedHeaders();

    /// <summary>Before authentication: a refused cross-site request never reaches an endpoint.</summary>
    public static IApplicationBuilder UseCrossSiteRequestGuard(this IApplicationBuilder app) => app.UseMiddleware<CrossSiteRequestGuard>();
}
