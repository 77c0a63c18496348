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
        builder.AddValidatedOptions<AccountOptions>(AccountOptions.Section);
        builder.Services.AddScoped<UnknownAccountPassword>();

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
                // No lockout: it let anyone lock a known account, and told who had one. Sign-in is throttled instead
                // (Security/AbuseLimits), the same for every email.
                identity.Lockout.AllowedForNewUsers = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<PlatformDbContext>()
            .AddSignInManager();
        return builder;
    }

    /// <summary>Accounts:AdminEmails once made whoever registered a listed address an admin; it is ignored now, say so.</summary>
    public static void WarnAboutRetiredAccountSettings(this WebApplication app)
    {
        if (app.Configuration.GetSection($"{AccountOptions.Section}:AdminEmails").GetChildren().Any())
        {
            app.Logger.LogWarning("Accounts:AdminEmails is ignored: admins are made out of band (Accounts:BootstrapAdmin, see docs/security.md)");
        }
    }

    /// <summary>Creates the key ring's first key once (AppHost's --migrate step) so replicas starting together don't each make one.</summary>
    public static void EnsureDataProtectionKey(this IServiceProvider services)
    {
        var keys = services.GetRequiredService<Microsoft.AspNetCore.DataProtection.KeyManagement.IKeyManager>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (!keys.GetAllKeys().Any(k => !k.IsRevoked && k.ExpirationDate > now.AddDays(7)))
        {
            keys.CreateNewKey(now, now.AddDays(90));
        }
    }
}
