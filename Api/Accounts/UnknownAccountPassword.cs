using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace Platform.Api.Accounts;

/// <summary>
/// A sign-in for an email with no account verifies the password against this hash (same algorithm and cost as a real
/// one) so the answer takes as long as a wrong password for a real account: timing does not tell whether it exists.
/// Scoped like Identity's hasher; the hash itself is made once per process.
/// </summary>
public sealed class UnknownAccountPassword(IPasswordHasher<PlatformUser> hasher)
{
    private static readonly PlatformUser Nobody = new();
    private static string? _hash;

    /// <summary>Does the work of a real verification; nothing matches an account that does not exist.</summary>
    public void Verify(string password)
    {
        var hash = _hash ??= hasher.HashPassword(Nobody, Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));
        _ = hasher.VerifyHashedPassword(Nobody, hash, password);
    }
}
