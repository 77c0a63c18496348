namespace Platform.Api.Accounts;

/// <summary>Section "Accounts".</summary>
public sealed class AccountOptions
{
    public const string Section = "Accounts";
    public const string AdminRole = "admin";
    public const string AdminPolicy = "admin";

    /// <summary>
    /// Emails that get the "admin" role (operator endpoints, /api/ops/*) when they register or sign in,
    /// e.g. Accounts__AdminEmails__0=ops@example.com.
    /// </summary>
    public string[] AdminEmails { get; set; } = [];

    public bool IsAdmin(string email) => AdminEmails.Contains(email, StringComparer.OrdinalIgnoreCase);
}
