using Microsoft.AspNetCore.Identity;

namespace Platform.Api.Accounts;

public sealed class PlatformUser : IdentityUser
{
    /// <summary>When the dispatcher last started one of this user's jobs: the round-robin order across users (nulls first).</summary>
    public DateTimeOffset? LastDispatchedAt { get; set; }
}
