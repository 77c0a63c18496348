using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Api.Dispatch;
using Platform.Api.Infrastructure;

namespace Platform.Api.Jobs;

/// <summary>Reads for the API, always scoped to the owner: another user's job simply does not exist here.</summary>
public sealed class JobQueries(PlatformDbContext db, PostgresTransactions sql, QueueWaits waits, IOptionsMonitor<JobLimitsOptions> limits)
{
    public const int TextPreviewChars = 280;
    public const int MaxEventsPerPage = 1000;

    public async Task<JobView?> GetAsync(string ownerId, Guid jobId, CancellationToken ct)
    {
        var page = await ViewsAsync(ownerId, db.Jobs.Where(j => j.Id == jobId && j.OwnerId == ownerId), ct);
        return page.SingleOrDefault();
    }

    public async Task<JobPage> ListAsync(string ownerId, JobState? state, string? search, int page, int pageSize, CancellationToken ct)
    {
        var query = db.Jobs.Where(j => j.OwnerId == ownerId);
        if (state is { } s)
        {
            query = query.Where(j => j.State == s);
        }
        if (!string.IsNullOrWhiteSpace(search))
        {
            // Case-insensitive substring of the URL or the pasted text; LIKE wildcards in the term match literally.
            var pattern = "%" + search.Trim().Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
            query = query.Where(j => EF.Functions.ILike(j.SourceUrl ?? "", pattern) || EF.Functions.ILike(j.SourceText ?? "", pattern));
        }
        var total = await query.CountAsync(ct);
        var items = await ViewsAsync(ownerId, query.OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id).Skip((page - 1) * pageSize).Take(pageSize), ct);
        return new JobPage(items, page, pageSize, total);
    }

    public async Task<JobEventsPage?> EventsAsync(string ownerId, Guid jobId, long after, int limit, CancellationToken ct)
    {
        var lastSeq = await db.Jobs.Where(j => j.Id == jobId && j.OwnerId == ownerId).Select(j => (long?)j.LastSeq).SingleOrDefaultAsync(ct);
        if (lastSeq is null)
        {
            return null;
        }
        var events = await db.JobEvents.AsNoTracking()
            .Where(e => e.JobId == jobId && e.Seq > after)
            .OrderBy(e => e.Seq)
            .Take(Math.Clamp(limit, 1, MaxEventsPerPage))
            .ToListAsync(ct);
        return new JobEventsPage([.. events.Select(e => new JobEventView(e.JobId, e.Seq, e.Type, e.At, Parse(e.Data)))], lastSeq.Value);
    }

    public async Task<UsageView> UsageAsync(string ownerId, CancellationToken ct)
    {
        // The same count admission and dispatch make (queued, and holding a running slot), read on its own: this runs
        // after every burst of a user's job changes, so it is one plain statement rather than an EF query.
        var usage = await sql.ReadAsync((connection, token) => connection.CountAsync(null, ownerId, token), ct);
        var limit = limits.CurrentValue;
        return new UsageView(Running: usage.Running, RunningLimit: limit.RunningPerUser, Queued: usage.Queued, QueuedLimit: limit.QueuedPerUser);
    }

    private async Task<List<JobView>> ViewsAsync(string ownerId, IQueryable<Job> jobs, CancellationToken ct)
    {
        // One statement, so tasks, results and seq are one consistent snapshot.
        var rows = await jobs.AsNoTracking()
            .Select(j => new
            {
                j.Id, j.State, j.SourceUrl, j.Formats, j.Options, j.Attempt, j.MaxAttempts, j.LastSeq,
                j.CreatedAt, j.StartedAt, j.FinishedAt, j.Error,
                TextLength = j.SourceText == null ? (int?)null : j.SourceText.Length,
                TextPreview = j.SourceText == null ? null : j.SourceText.Substring(0, TextPreviewChars),
                j.Tasks,
                Results = db.JobArtifacts.Where(a => a.JobId == j.Id).Select(a => new { a.Format, a.ContentType, a.Size, a.Sha256 }).ToList(),
            })
            .ToListAsync(ct);
        // Position and reason come from the dispatcher's view of capacity, read now (a few of the user's jobs at most).
        var standings = rows.Any(r => r.State == JobState.Queued)
            ? await waits.ForUserAsync(ownerId, ct)
            : new Dictionary<Guid, QueueStanding>();

        return [.. rows.Select(r =>
        {
            var standing = r.State == JobState.Queued ? standings.GetValueOrDefault(r.Id) : null;
            var results = r.Results.ToDictionary(a => a.Format);
            var tasks = r.Tasks.ToDictionary(t => t.Format);
            return new JobView(
                r.Id, r.State,
                new JobSourceView(r.SourceUrl, r.TextPreview, r.TextLength),
                r.Formats,
                [.. r.Formats.Where(tasks.ContainsKey).Select(f => tasks[f]).Select(t => new TaskView(
                    t.Format, t.State, t.Progress, t.Attempts, t.Error, t.StartedAt, t.FinishedAt,
                    t.State == TaskState.Completed && results.TryGetValue(t.Format, out var a)
                        ? new ResultView(a.ContentType, a.Size, a.Sha256, $"/api/jobs/{r.Id}/tasks/{t.Format}/result")
                        : null))],
                standing?.Position, r.LastSeq, r.Attempt, r.MaxAttempts, Parse(r.Options),
                r.CreatedAt, r.StartedAt, r.FinishedAt, r.Error,
                standing is null ? null : new JobWaitView(standing.Reason, standing.Host));
        })];
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
