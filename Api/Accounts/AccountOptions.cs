using System.ComponentModel.DataAnnotations;

namespace Platform.Api.Accounts;

/// <summary>Section "Accounts".</summary>
public sealed class AccountOptions : IValidatableObject
{
    public const string Section = "Accounts";
    public const string AdminRole = "admin";
    public const string AdminPolicy = "admin";

    /// <summary>The longest email and password accepted (hashing a huge password is work an attacker chooses).</summary>
    public const int MaxEmailLength = 254;
    public const int MaxPasswordLength = 128;

    /// <summary>
    /// The operator's account, made or repaired out of band by the migration step (<c>Api --migrate</c>), never by
    /// registering: the password is a secret (the AppHost's <c>admin-password</c> parameter). Null = no admin.
    /// </summary>
    public BootstrapAdminOptions? BootstrapAdmin { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(BootstrapAdmin?.Email) && string.IsNullOrEmpty(BootstrapAdmin.Password))
        {
            yield return new ValidationResult(
                "Accounts:BootstrapAdmin:Password (a secret) is required with Accounts:BootstrapAdmin:Email.", [nameof(BootstrapAdmin)]);
        }
    }
}

/// <summary>Section "Accounts:BootstrapAdmin".</summary>
public sealed class BootstrapAdminOptions
{
    public string? Email { get; set; }

    public string? Password { get; set; }
}
