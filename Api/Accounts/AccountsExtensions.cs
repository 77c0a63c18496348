using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Platform.Api.Infrastructure;

namespace Platform.Api.Accounts;

public static class AccountsExtensions
{
    /// <summary>
    /// ASP.NET Core Identity on PostgreSQL with cookie sign-in. The Data Protection key ring lives in PostgreSQL under one
    /// application name, so a cookie issued by one Api replica is read by every other. Unauthenticated API calls get
    /// 401 and forbidden ones 403 — never a redirect to a login page.
    /// </summary>
    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AccountOptions>().BindConfiguration(AccountOptions.Section);

        builder.Services.AddDataProtection()
            .SetApplicationName("Platform")
            .PersistKeysToDbContext<PlatformDbContext>();

        builder.Services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        builder.Services.ConfigureApplicationCookie(cookie =>
        {
            cookie.Cookie.Name = ".Platform.Auth";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.SlidingExpiration = true;
            cookie.ExpireTimeSpan = TimeSpan.FromDays(14);
            cookie.Events.OnRedirectToLogin = context =>
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            };
            cookie.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AccountOptions.AdminPolicy, policy => policy.RequireRole(AccountOptions.AdminRole));

        builder.Services.AddIdentityCore<PlatformUser>(identity =>
            {
                identity.User.RequireUniqueEmail = true;
                identity.Lockout.MaxFailedAccessAttempts = 10;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<PlatformDbContext>()
            .AddSignInManager();
        return builder;
    }

    /// <summary>Creates the key ring's first key once (AppHost's --migrate step) so replicas starting together don't each make one.</summary>
    public static void EnsureDataProtectionKey(this IServiceProvider services)
    {
        var keys = services.GetRequiredService<Microsoft.AspNetCore.DataProtection.KeyManagement.IKeyManager>();
        if (!keys.GetAllKeys().Any(k => !k.IsRevoked && k.ExpirationDate > DateTimeOffset.UtcNow.AddDays(7)))
        {
            keys.CreateNewKey(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(90));
        }
    }
}
