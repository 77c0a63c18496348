using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Platform.Api.Accounts;

/// <summary>
/// The only way to become an admin: the migration step makes the configured account (or takes it back, if someone
/// registered the address first: its password becomes the secret and its sessions end) and gives it the admin role;
/// everyone else who holds the role loses it (the configuration is the source of truth, so an admin role once granted by
/// the retired <c>Accounts:AdminEmails</c> at registration does not survive).
/// </summary>
public static class BootstrapAdmin
{
    public static async Task EnsureBootstrapAdminAsync(this IServiceProvider services)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BootstrapAdmin));
        var configured = services.GetRequiredService<IOptions<AccountOptions>>().Value.BootstrapAdmin;
        if (string.IsNullOrWhiteSpace(configured?.Email) || configured.Password is not { } password)
        {
            // AccountOptions.Validate refuses an email without a password, so this is "none configured".
            logger.LogInformation("No bootstrap admin configured (Accounts:BootstrapAdmin:Email); admin role unchanged");
            return;
        }
        var email = configured.Email.Trim();
        var users = services.GetRequiredService<UserManager<PlatformUser>>();
        var roles = services.GetRequiredService<RoleManager<IdentityRole>>();
        if (!await roles.RoleExistsAsync(AccountOptions.AdminRole))
        {
            Check(await roles.CreateAsync(new IdentityRole(AccountOptions.AdminRole)), "create the admin role");
        }

        var admin = await users.FindByEmailAsync(email);
        if (admin is null)
        {
            admin = new PlatformUser { UserName = email, Email = email };
            Check(await users.CreateAsync(admin, password), $"create the bootstrap admin {email}");
            logger.LogInformation("Bootstrap admin {Email} created", email);
        }
        else if (!await users.CheckPasswordAsync(admin, password))
        {
            // Someone else's password (a squatter's registration) or a rotated secret: the secret wins, sessions end.
            Check(await users.RemovePasswordAsync(admin), $"reset the password of {email}");
            Check(await users.AddPasswordAsync(admin, password), $"set the password of {email}");
            logger.LogWarning("Bootstrap admin {Email} existed with another password; password set to the configured secret, sessions ended", email);
        }
        if (!await users.IsInRoleAsync(admin, AccountOptions.AdminRole))
        {
            Check(await users.AddToRoleAsync(admin, AccountOptions.AdminRole), $"make {email} an admin");
        }
        foreach (var other in await users.GetUsersInRoleAsync(AccountOptions.AdminRole))
        {
            if (other.Id != admin.Id)
            {
                Check(await users.RemoveFromRoleAsync(other, AccountOptions.AdminRole), $"revoke admin from {other.Email}");
                await users.UpdateSecurityStampAsync(other);
                logger.LogWarning("Admin role revoked from {Email}: only the bootstrap admin is an admin", other.Email);
            }
        }
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not {what}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }
}
