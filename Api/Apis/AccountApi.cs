using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Platform.Api.Accounts;

namespace Platform.Api.Apis;

public static class AccountApi
{
    public sealed record Credentials(string? Email, string? Password);

    public sealed record AccountView(string Email, IReadOnlyList<string> Roles);

    public static RouteGroupBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/account").WithTags("Account");

        api.MapPost("/register", RegisterAsync).WithName("Register")
            .WithSummary("Create an account and sign in (sets the auth cookie)").AllowAnonymous();
        api.MapPost("/login", LoginAsync).WithName("Login")
            .WithSummary("Sign in with email and password (sets the auth cookie)").AllowAnonymous();
        api.MapPost("/logout", LogoutAsync).WithName("Logout")
            .WithSummary("Sign out (clears the auth cookie)").RequireAuthorization();
        api.MapGet("/me", Me).WithName("Me")
            .WithSummary("The signed-in user: email and roles (401 when signed out)").RequireAuthorization();
        return api;
    }

    public static async Task<Results<Created<AccountView>, ValidationProblem>> RegisterAsync(
        Credentials credentials, UserManager<PlatformUser> users, RoleManager<IdentityRole> roles,
        SignInManager<PlatformUser> signIn, IOptionsMonitor<AccountOptions> options)
    {
        if (MissingCredentials(credentials) is { } missing)
        {
            return TypedResults.ValidationProblem(missing);
        }
        var email = credentials.Email!.Trim();
        var user = new PlatformUser { UserName = email, Email = email };
        var created = await users.CreateAsync(user, credentials.Password!);
        if (!created.Succeeded)
        {
            return TypedResults.ValidationProblem(IdentityErrors(created));
        }
        await GrantConfiguredRolesAsync(user, users, roles, options.CurrentValue);
        await signIn.SignInAsync(user, isPersistent: true);
        return TypedResults.Created("/api/account/me", new AccountView(email, [.. await users.GetRolesAsync(user)]));
    }

    public static async Task<Results<Ok<AccountView>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        Credentials credentials, UserManager<PlatformUser> users, RoleManager<IdentityRole> roles,
        SignInManager<PlatformUser> signIn, IOptionsMonitor<AccountOptions> options)
    {
        if (MissingCredentials(credentials) is { } missing)
        {
            return TypedResults.ValidationProblem(missing);
        }
        var user = await users.FindByEmailAsync(credentials.Email!.Trim());
        if (user is null)
        {
            return InvalidLogin();
        }
        // Admin emails can be added to configuration after registration: apply them before the cookie is issued.
        await GrantConfiguredRolesAsync(user, users, roles, options.CurrentValue);
        var result = await signIn.PasswordSignInAsync(user, credentials.Password!, isPersistent: true, lockoutOnFailure: true);
        if (result.IsLockedOut)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Account locked",
                detail: "Too many failed sign-ins; try again later.");
        }
        return result.Succeeded ? TypedResults.Ok(new AccountView(user.Email!, [.. await users.GetRolesAsync(user)])) : InvalidLogin();
    }

    public static async Task<NoContent> LogoutAsync(SignInManager<PlatformUser> signIn)
    {
        await signIn.SignOutAsync();
        return TypedResults.NoContent();
    }

    public static Ok<AccountView> Me(ClaimsPrincipal user) =>
        TypedResults.Ok(new AccountView(
            user.FindFirstValue(ClaimTypes.Email) ?? user.Identity!.Name!,
            [.. user.FindAll(ClaimTypes.Role).Select(c => c.Value)]));

    private static ProblemHttpResult InvalidLogin() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed", detail: "Invalid email or password.");

    private const int MaxEmailLength = 256;

    private static Dictionary<string, string[]>? MissingCredentials(Credentials credentials)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(credentials.Email))
        {
            errors["email"] = ["Email is required."];
        }
        else if (credentials.Email.Trim().Length > MaxEmailLength)
        {
            // Identity's users.email column; longer would pass Identity's checks and fail the INSERT with a 500.
            errors["email"] = [$"Email is longer than {MaxEmailLength} characters."];
        }
        if (string.IsNullOrEmpty(credentials.Password))
        {
            errors["password"] = ["Password is required."];
        }
        return errors.Count > 0 ? errors : null;
    }

    private static Dictionary<string, string[]> IdentityErrors(IdentityResult result) =>
        result.Errors
            .GroupBy(e => e.Code.Contains("Password", StringComparison.Ordinal) ? "password" : "email")
            .ToDictionary(g => g.Key, g => g.Select(e => e.Description).Distinct().ToArray());

    private static async Task GrantConfiguredRolesAsync(
        PlatformUser user, UserManager<PlatformUser> users, RoleManager<IdentityRole> roles, AccountOptions options)
    {
        if (!options.IsAdmin(user.Email!) || await users.IsInRoleAsync(user, AccountOptions.AdminRole))
        {
            return;
        }
        if (!await roles.RoleExistsAsync(AccountOptions.AdminRole))
        {
            // Two replicas may race to create the role; the loser's duplicate error is harmless.
            await roles.CreateAsync(new IdentityRole(AccountOptions.AdminRole));
        }
        await users.AddToRoleAsync(user, AccountOptions.AdminRole);
    }
}
