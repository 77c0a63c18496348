using Microsoft.EntityFrameworkCore;
using Platform.Api.Infrastructure;
using Platform.Api.Jobs;

namespace Platform.Api.Ops;

public sealed record QueueView(int Queued, int Running, int Cancelling, DateTimeOffset? OldestQueuedAt, IReadOnlyList<UserQueueView> Users);

public sealed record UserQueueView(string UserId, string? Email, int Running, int Queued, DateTimeOffset? LastDispatchedAt);

/// <summary>Operator reads across all users.</summary>
public sealed class OpsQueries(PlatformDbContext db)
{
    public async Task<QueueView> QueueAsync(CancellationToken ct)
    {
        var active = db.Jobs.Where(j => j.State == JobState.Queued || EF.Constant(JobStateMachine.RunningSlotStates).Contains(j.State));
        var byState = await active.GroupBy(j => j.State).Select(g => new { State = g.Key, Count = g.Count() }).ToListAsync(ct);
        var oldest = await db.Jobs.Where(j => j.State == JobState.Queued).MinAsync(j => (DateTimeOffset?)j.QueuedAt, ct);
        var busiest = await active
            .GroupBy(j => j.OwnerId)
            .Select(g => new
            {
                UserId = g.Key,
                Running = g.Count(j => EF.Constant(JobStateMachine.RunningSlotStates).Contains(j.State)),
                Queued = g.Count(j => j.State == JobState.Queued),
            })
            .OrderByDescending(u => u.Running + u.Queued)
            .Take(100)
            .ToListAsync(ct);
        var ids = busiest.Select(u => u.UserId).ToList();
        var accounts = await db.Users.Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, ct);
        var users = busiest.Select(u => new UserQueueView(u.UserId, accounts.GetValueOrDefault(u.UserId)?.Email, u.Running, u.Queued,
            accounts.GetValueOrDefault(u.UserId)?.LastDispatchedAt)).ToList();
        int Count(JobState state) => byState.Where(s => s.State == state).Sum(s => s.Count);
        return new QueueView(Count(JobState.Queued), Count(JobState.Running), Count(JobState.Cancelling), oldest, users);
    }
}
