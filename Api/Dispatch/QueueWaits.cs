using Microsoft.Extensions.Options;
using Platform.Api.Formats;
using Platform.Api.Infrastructure;
using Platform.Api.Jobs;
using Platform.Coordination;

namespace Platform.Api.Dispatch;

/// <summary>What a queued job waits for, as the dispatcher decides it (the snapshot's <c>waiting.reason</c>, the gauge's tag).</summary>
public static class WaitReasons
{
    /// <summary>Its user already runs as many jobs as allowed.</summary>
    public const string UserLimit = "user-limit";
    /// <summary>A URL job whose target server is at its politeness limit ("waiting for host x").</summary>
    public const string Host = "host";
    /// <summary>A URL job while every Scraper page is reserved.</summary>
    public const string Scraper = "scraper";
    /// <summary>A URL job while Redis is unreachable (politeness cannot be checked).</summary>
    public const string Coordination = "coordination";
    /// <summary>Nothing stops it: the next dispatch round with a free executor slot takes it.</summary>
    public const string Ready = "ready";
}

/// <param name="Position">1 + the user's queued jobs that go before it: for a job waiting for its host, those of the same
/// host; otherwise those not held back by a host (the user's jobs start in this order as slots free).</param>
/// <param name="Host">The URL's host name when <paramref name="Reason"/> is <see cref="WaitReasons.Host"/>.</param>
public sealed record QueueStanding(int Position, string Reason, string? Host);

/// <summary>
/// Reads why queued jobs wait, with the same capacity view the dispatcher uses (read-only: nothing is reserved), so the
/// snapshot's queue position and reason are the truth at the time of reading. Also samples the counts by reason for the
/// gauge platform.jobs.queue.waiting.
/// </summary>
public sealed class QueueWaits(PostgresTransactions db, ICaptureCapacity capacity, IOptionsMonitor<JobLimitsOptions> limits)
{
    /// <summary>Each queued job of <paramref name="ownerId"/> (at most queued + running limit of them) with its standing.</summary>
    public async Task<IReadOnlyDictionary<Guid, QueueStanding>> ForUserAsync(string ownerId, CancellationToken ct)
    {
        var (running, queued) = await db.ReadAsync(async (connection, token) =>
        {
            var usage = await connection.CountAsync(null, ownerId, token);
            await using var command = connection.Command(null,
                $"SELECT id, source_url, target_server FROM jobs WHERE owner_id = @owner AND state = {JobStateSql.Queued} ORDER BY created_at, id",
                ("owner", ownerId));
            await using var reader = await command.ExecuteReaderAsync(token);
            var jobs = new List<(Guid Id, string? Url, string? Target)>();
            while (await reader.ReadAsync(token))
            {
                jobs.Add((reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
            }
            return (usage.Running, jobs);
        }, ct);
        if (queued.Count == 0)
        {
            return new Dictionary<Guid, QueueStanding>();
        }
        var view = await ViewAsync(queued.Where(j => j.Url is not null).Select(j => j.Target), ct);
        return Rank(queued, running >= limits.CurrentValue.RunningPerUser, view);
    }

    /// <summary>The standings of one user's queued jobs, oldest first (<paramref name="view"/> null: Redis unreachable).</summary>
    internal static IReadOnlyDictionary<Guid, QueueStanding> Rank(
        IReadOnlyList<(Guid Id, string? Url, string? Target)> queued, bool userFull, CaptureCapacityView? view)
    {
        var reasons = queued.Select(j => Classify(userFull, j.Url is not null, j.Target, view)).ToList();
        var standings = new Dictionary<Guid, QueueStanding>();
        for (var i = 0; i < queued.Count; i++)
        {
            var waitsForHost = reasons[i] == WaitReasons.Host;
            var ahead = Enumerable.Range(0, i).Count(k => waitsForHost
                ? reasons[k] == WaitReasons.Host && queued[k].Target == queued[i].Target
                : reasons[k] != WaitReasons.Host);
            var host = waitsForHost && Uri.TryCreate(queued[i].Url, UriKind.Absolute, out var url) ? url.Host : null;
            standings[queued[i].Id] = new QueueStanding(ahead + 1, reasons[i], host);
        }
        return standings;
    }

    /// <summary>Queued jobs across all users by what they wait for.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountByReasonAsync(CancellationToken ct)
    {
        var groups = await db.ReadAsync(async (connection, token) =>
        {
            await using var command = connection.Command(null,
                $"""
                SELECT j.source_url IS NOT NULL, j.target_server, coalesce(r.running, 0) >= @limit, count(*)
                FROM jobs j
                LEFT JOIN (SELECT owner_id, count(*) AS running FROM jobs WHERE state IN {JobStateSql.RunningSlot} GROUP BY owner_id) r
                       ON r.owner_id = j.owner_id
                WHERE j.state = {JobStateSql.Queued}
                GROUP BY 1, 2, 3
                """,
                ("limit", (long)limits.CurrentValue.RunningPerUser));
            await using var reader = await command.ExecuteReaderAsync(token);
            var rows = new List<(bool IsUrl, string? Target, bool UserFull, long Count)>();
            while (await reader.ReadAsync(token))
            {
                rows.Add((reader.GetBoolean(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetBoolean(2), reader.GetInt64(3)));
            }
            return rows;
        }, ct);
        var view = await ViewAsync(groups.Where(g => g.IsUrl).Select(g => g.Target), ct);
        var counts = new[] { WaitReasons.UserLimit, WaitReasons.Host, WaitReasons.Scraper, WaitReasons.Coordination, WaitReasons.Ready }
            .ToDictionary(r => r, _ => 0L);
        foreach (var g in groups)
        {
            counts[Classify(g.UserFull, g.IsUrl, g.Target, view)] += g.Count;
        }
        return counts;
    }

    /// <returns>Null when Redis is unreachable.</returns>
    private async Task<CaptureCapacityView?> ViewAsync(IEnumerable<string?> targets, CancellationToken ct)
    {
        try
        {
            return await capacity.ViewAsync([.. targets.OfType<string>().Distinct(StringComparer.Ordinal)], ct);
        }
        catch (CoordinationUnavailableException)
        {
            return null;
        }
    }

    /// <summary>The dispatcher's order of checks: the user's slot, then (URL jobs) Redis, the host, a page.</summary>
    internal static string Classify(bool userFull, bool isUrl, string? target, CaptureCapacityView? view) =>
        userFull ? WaitReasons.UserLimit
        : !isUrl ? WaitReasons.Ready
        : view is null ? WaitReasons.Coordination
        : target is not null && view.FullServers.Contains(target) ? WaitReasons.Host
        : !view.PageFree ? WaitReasons.Scraper
        : WaitReasons.Ready;
}
