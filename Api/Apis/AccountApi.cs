using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Accounts;
using Platform.Api.Security;

namespace Platform.Api.Apis;

public static class AccountApi
{
    public sealed record Credentials(string? Email = null, string? Password = null);

    public sealed record AccountView(string Email, IReadOnlyList<string> Roles);

    /// <summary>The one answer to every accepted registration, new address or taken: it must not tell which.</summary>
    public sealed record RegistrationView(string Next, string Detail)
    {
        public static RegistrationView Instance { get; } = new("/api/account/login",
            "Sign in with this email and password. If the address already had an account, that account is unchanged.");
    }

    public static RouteGroupBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/account").WithTags("Account");

        api.MapPost("/register", RegisterAsync).WithName("Register")
            .WithSummary("Create an account, then sign in; the answer is the same whether or not the address was taken")
            .AllowAnonymous().RequireClientLimit(AbuseLimit.RegisterPerIp);
        api.MapPost("/login", LoginAsync).WithName("Login")
            .WithSummary("Sign in with email and password (sets the auth cookie)")
            .AllowAnonymous().RequireClientLimit(AbuseLimit.LoginPerIp);
        api.MapPost("/logout", LogoutAsync).WithName("Logout")
            .WithSummary("Sign out (clears the auth cookie)").RequireAuthorization();
        api.MapGet("/me", Me).WithName("Me")
            .WithSummary("The signed-in user: email and roles (401 when signed out)").RequireAuthorization();
        return api;
    }

    /// <summary>
    /// Creates the account, with no role, and does not sign in: a taken address gets the same 202, the same body and
    /// about the same time (the password is hashed either way, before the address is looked up).
    /// </summary>
    public static async Task<Results<Accepted<RegistrationView>, ValidationProblem>> RegisterAsync(
        Credentials credentials, HttpContext http, UserManager<PlatformUser> users, ILoggerFactory loggers)
    {
        if (CredentialErrors(credentials) is { } invalid)
        {
            return TypedResults.ValidationProblem(invalid);
        }
        var email = credentials.Email!.Trim();
        IdentityResult created;
        try
        {
            created = await users.CreateAsync(new PlatformUser { UserName = email, Email = email }, credentials.Password!);
        }
        catch (DbUpdateException)
        {
            // A concurrent registration of the same address won the unique index: the address is taken.
            created = IdentityResult.Failed(new IdentityError { Code = nameof(IdentityErrorDescriber.DuplicateEmail) });
        }
        var errors = created.Errors.Where(e => !e.Code.StartsWith("Duplicate", StringComparison.Ordinal)).ToList();
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(IdentityErrors(errors));
        }
        if (created.Succeeded)
        {
            loggers.CreateLogger(typeof(AccountApi)).LogInformation("Account registered from {Client}", AbuseLimits.ClientKey(http));
        }
        return TypedResults.Accepted(RegistrationView.Instance.Next, RegistrationView.Instance);
    }

    /// <summary>
    /// Throttled per account (from this address, and from anywhere) before any work; an unknown email costs the same
    /// password verification as a wrong password, and every failure reads the same. No lockout.
    /// </summary>
    public static async Task<Results<Ok<AccountView>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        Credentials credentials, HttpContext http, UserManager<PlatformUser> users, SignInManager<PlatformUser> signIn,
        UnknownAccountPassword unknownAccount, AbuseLimits limits)
    {
        if (CredentialErrors(credentials) is { } invalid)
        {
            return TypedResults.ValidationProblem(invalid);
        }
        var email = credentials.Email!.Trim();
        var account = AbuseLimits.AccountKey(email);
        var throttle = await limits.CheckAsync(http.RequestAborted,
            (AbuseLimit.LoginPerAccountPerIp, $"{account}|{AbuseLimits.ClientKey(http)}"),
            (AbuseLimit.LoginPerAccount, account));
        if (!throttle.Allowed)
        {
            return AbuseLimits.TooManyRequests(http, throttle);
        }
        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            unknownAccount.Verify(credentials.Password!);
            return InvalidLogin();
        }
        var result = await signIn.PasswordSignInAsync(user, credentials.Password!, isPersistent: true, lockoutOnFailure: false);
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

    private static Dictionary<string, string[]>? CredentialErrors(Credentials credentials)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(credentials.Email))
        {
            errors["email"] = ["Email is required."];
        }
        else if (credentials.Email.Trim().Length > AccountOptions.MaxEmailLength)
        {
            errors["email"] = [$"Email must be at most {AccountOptions.MaxEmailLength} characters."];
        }
        if (string.IsNullOrEmpty(credentials.Password))
        {
            errors["password"] = ["Password is required."];
        }
        else if (credentials.Password.Length > AccountOptions.MaxPasswordLength)
        {
            errors["password"] = [$"Password must be at most {AccountOptions.MaxPasswordLength} characters."];
        }
        return errors.Count > 0 ? errors : null;
    }

    private static Dictionary<string, string[]> IdentityErrors(IEnumerable<IdentityError> errors) =>
        errors
            .GroupBy(e => e.Code.Contains("Password", StringComparison.Ordinal) ? "password" : "email")
            .ToDictionary(g => g.Key, g => g.Select(e => e.Description).Distinct().ToArray());
}
