using Npgsql;
using Platform.Api.Formats;
using Platform.Api.Infrastructure;
using Platform.Api.Jobs;
using Platform.Api.Live;
using Platform.Coordination;

namespace Platform.Api.Dispatch;

/// <summary>
/// The queue is the jobs table. Order: round-robin across users (the user whose job was dispatched longest ago — or
/// never — goes first), FIFO within a user among the jobs that can run now: a URL job whose target server is at its
/// politeness limit, or any URL job while no Scraper page is free, is passed over (<see cref="QueueFilter"/>) and keeps
/// its place. Claims take the user's advisory lock and re-count running jobs in the same transaction, which keeps the
/// per-user limit even when the Redis semaphore has forgotten its leases.
/// </summary>
public sealed class JobQueue(PostgresTransactions db, TimeProvider time)
{
    /// <summary>What may run now: queued text jobs always; a URL job unless captures are blocked or its target server is full.</summary>
    private const string Runnable =
        "(source_url IS NULL OR (NOT @captureBlocked AND (target_server IS NULL OR NOT (target_server = ANY(@fullServers)))))";

    /// <summary>Users with queued work and a free running slot, in round-robin order.</summary>
    public Task<IReadOnlyList<string>> NextUsersAsync(int count, int runningPerUser, CancellationToken ct) =>
        NextUsersAsync(count, runningPerUser, QueueFilter.None, ct);

    /// <summary>Users with a queued job that <paramref name="filter"/> lets run and a free running slot, in round-robin order.</summary>
    public async Task<IReadOnlyList<string>> NextUsersAsync(int count, int runningPerUser, QueueFilter filter, CancellationToken ct) =>
        [.. (await NextHeadsAsync(count, runningPerUser, filter, ct)).Select(h => h.OwnerId)];

    /// <summary>
    /// The same users, each with the job a claim would take first (its oldest runnable one): whether it is a URL job and
    /// its target server, so a round can give each server no more users than it has free slots.
    /// </summary>
    public Task<IReadOnlyList<QueueHead>> NextHeadsAsync(int count, int runningPerUser, QueueFilter filter, CancellationToken ct) =>
        db.ReadAsync<IReadOnlyList<QueueHead>>(async (connection, token) =>
        {
            await using var command = connection.Command(null,
                $"""
                SELECT h.owner_id, h.is_url, h.target_server
                FROM (SELECT DISTINCT ON (owner_id) owner_id, created_at, id, source_url IS NOT NULL AS is_url, target_server
                      FROM jobs WHERE state = {JobStateSql.Queued} AND {Runnable}
                      ORDER BY owner_id, created_at, id) AS h
                JOIN users u ON u.id = h.owner_id
                WHERE (SELECT count(*) FROM jobs r WHERE r.owner_id = h.owner_id AND r.state IN {JobStateSql.RunningSlot}) < @limit
                ORDER BY u.last_dispatched_at NULLS FIRST, h.created_at, h.id
                LIMIT @count
                """,
                ("limit", (long)runningPerUser), ("count", count), ("captureBlocked", filter.CaptureBlocked), ("fullServers", filter.FullServers.ToArray()));
            await using var reader = await command.ExecuteReaderAsync(token);
            var heads = new List<QueueHead>();
            while (await reader.ReadAsync(token))
            {
                heads.Add(new QueueHead(reader.GetString(0), reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
            }
            return heads;
        }, ct);

    /// <summary>
    /// What is queued, in one read: whether anything is (a wake-up that finds the queue empty ends there), and the
    /// distinct target servers of queued URL jobs (at most <paramref name="limit"/>), what a round asks capacity about;
    /// <see cref="QueuedWork.Servers"/> is null when no URL job is queued, so a round of text jobs asks nothing.
    /// </summary>
    public Task<QueuedWork> QueuedWorkAsync(int limit, CancellationToken ct) =>
        db.ReadAsync(async (connection, token) =>
        {
            // One row per (URL or text, server): text jobs are one row at most, so limit + 2 rows hold every server a
            // round can use. A URL job without a target server (not resolved at submit) has a NULL server: URL work all the same.
            await using var command = connection.Command(null,
                $"SELECT DISTINCT source_url IS NOT NULL, target_server FROM jobs WHERE state = {JobStateSql.Queued} LIMIT @limit",
                ("limit", limit + 2));
            await using var reader = await command.ExecuteReaderAsync(token);
            var servers = new List<string>();
            bool any = false, url = false;
            while (await reader.ReadAsync(token))
            {
                any = true;
                if (!reader.GetBoolean(0))
                {
                    continue;
                }
                url = true;
                if (!reader.IsDBNull(1) && servers.Count < limit)
                {
                    servers.Add(reader.GetString(1));
                }
            }
            return new QueuedWork(any, url ? servers : null);
        }, ct);

    /// <summary>
    /// Claims the user's oldest queued job for this instance: running, lease_epoch + 1, lease for <paramref name="lease"/>.
    /// Null when the user has no queued job left or already runs <paramref name="runningPerUser"/> jobs.
    /// </summary>
    public async Task<(ClaimedJob Job, IReadOnlyList<JobEventMessage> Events, CaptureReservation? Capture)?> ClaimNextAsync(
        string ownerId, string instance, TimeSpan lease, int runningPerUser, CancellationToken ct) =>
        await ClaimNextAsync(ownerId, instance, lease, runningPerUser, QueueFilter.None, capacity: null, ct);

    /// <summary>
    /// Claims the user's oldest queued job that can run now. A URL job is claimed only with its capture reserved
    /// (<paramref name="capacity"/>): its host's politeness slot and a page. When the reservation is refused the job stays
    /// queued, untouched, and the user's next job is considered (another host, or a text job). Null when nothing of the
    /// user's can run now.
    /// </summary>
    public async Task<(ClaimedJob Job, IReadOnlyList<JobEventMessage> Events, CaptureReservation? Capture)?> ClaimNextAsync(
        string ownerId, string instance, TimeSpan lease, int runningPerUser, QueueFilter filter, ICaptureCapacity? capacity, CancellationToken ct)
    {
        // Taken inside the transaction, so a candidate's row lock keeps other replicas off it while we reserve; released
        // if the transaction does not commit (or runs again after a transient error).
        CaptureReservation? reserved = null;
        try
        {
            var claimed = await db.RunAsync<(ClaimedJob, IReadOnlyList<JobEventMessage>, CaptureReservation?)?>(async (connection, tx, token) =>
            {
                if (reserved is not null)
                {
                    await reserved.DisposeAsync();
                    reserved = null;
                }
                var usage = await connection.LockAndCountAsync(tx, ownerId, token);
                if (usage.Running >= runningPerUser)
                {
                    return null;
                }
                if (await LockRunnableAsync(connection, tx, ownerId, filter, capacity, token) is not { } candidate)
                {
                    return null;
                }
                reserved = candidate.Capture;
                return await ClaimAsync(connection, tx, candidate.Id, ownerId, instance, lease, token) is { } claim
                    ? (claim.Job, claim.Events, reserved)
                    : null;
            }, ct);
            if (claimed is null && reserved is not null)
            {
                await reserved.DisposeAsync();
            }
            return claimed;
        }
        catch
        {
            if (reserved is not null)
            {
                await reserved.DisposeAsync();
            }
            throw;
        }
    }

    /// <summary>
    /// Locks the user's oldest queued job that can run now and, for a URL job, reserves its capture. A refused
    /// reservation passes that host (or, with no page or no Redis, every capture) over and looks again; the refused job
    /// stays queued, untouched. Null when nothing of the user's can run now.
    /// </summary>
    private static async Task<(Guid Id, CaptureReservation? Capture)?> LockRunnableAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, string ownerId, QueueFilter filter, ICaptureCapacity? capacity, CancellationToken ct)
    {
        var full = new HashSet<string>(filter.FullServers, StringComparer.Ordinal);
        var captureBlocked = filter.CaptureBlocked;
        while (await OldestRunnableAsync(connection, tx, ownerId, full, captureBlocked, ct) is { } candidate)
        {
            if (candidate.Url is null || capacity is null)
            {
                return (candidate.Id, null);
            }
            var refusal = CaptureRefusal.NoPage;
            try
            {
                var result = await capacity.TryReserveAsync(candidate.Target, ct);
                if (result.Reservation is not null)
                {
                    return (candidate.Id, result.Reservation);
                }
                refusal = result.Refusal;
            }
            catch (CoordinationUnavailableException)
            {
                // No capture can be reserved now; the user's text jobs still can run.
            }
            if (refusal == CaptureRefusal.HostFull && candidate.Target is not null)
            {
                full.Add(candidate.Target);
            }
            else
            {
                captureBlocked = true;
            }
        }
        return null;
    }

    /// <summary>The user's oldest queued job not passed over, row-locked (SKIP LOCKED: one another claim holds is not a candidate).</summary>
    private static async Task<(Guid Id, string? Url, string? Target)?> OldestRunnableAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, string ownerId, IReadOnlyCollection<string> fullServers, bool captureBlocked, CancellationToken ct)
    {
        await using var select = connection.Command(tx,
            $"""
            SELECT id, source_url, target_server FROM jobs
            WHERE owner_id = @owner AND state = {JobStateSql.Queued} AND {Runnable}
            ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
            """,
            ("owner", ownerId), ("captureBlocked", captureBlocked), ("fullServers", fullServers.ToArray()));
        await using var reader = await select.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? (reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2))
            : null;
    }

    /// <summary>
    /// Moves the locked candidate queued → running for this instance under a new lease epoch, records the claim (its
    /// event, the user's round-robin turn) and loads its tasks. Null when the candidate is not queued (nothing claimed).
    /// </summary>
    private async Task<(ClaimedJob Job, IReadOnlyList<JobEventMessage> Events)?> ClaimAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, Guid candidate, string ownerId, string instance, TimeSpan lease, CancellationToken ct)
    {
        ClaimedJob job;
        await using (var claim = connection.Command(tx,
            JobStateWrites.Update(
                "lease_epoch = lease_epoch + 1, lease_expires_at = clock_timestamp() + @lease, owner_instance = @instance, started_at = clock_timestamp(), error = NULL",
                returning: "id, lease_epoch, attempt, source_url, source_text, options::text, queued_at, trace_parent"),
            JobStateWrites.Parameters(candidate, JobStateMachine.Move(JobState.Queued, JobState.Running), ("lease", lease), ("instance", instance))))
        await using (var reader = await claim.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }
            job = new ClaimedJob(
                Id: reader.GetGuid(0),
                OwnerId: ownerId,
                LeaseEpoch: reader.GetInt64(1),
                Attempt: reader.GetInt32(2),
                SourceUrl: reader.IsDBNull(3) ? null : reader.GetString(3),
                SourceText: reader.IsDBNull(4) ? null : reader.GetString(4),
                OptionsJson: reader.GetString(5),
                QueuedAt: reader.GetFieldValue<DateTimeOffset>(6),
                Tasks: [],
                TraceParent: reader.IsDBNull(7) ? null : reader.GetString(7));
        }

        var events = await new JobEventBatch(time)
            .Add(JobEventTypes.JobState, new { state = JobState.Running, attempt = job.Attempt, instance })
            .AppendAsync(connection, tx, job.Id, job.LeaseEpoch, ct) ?? throw new InvalidOperationException("A job claimed in this transaction must accept its events.");
        await connection.ExecuteAsync(tx, "UPDATE users SET last_dispatched_at = clock_timestamp() WHERE id = @owner", ct, ("owner", ownerId));
        return (job with { Tasks = await TasksAsync(connection, tx, job.Id, ct) }, events);
    }

    private static async Task<IReadOnlyList<ClaimedTask>> TasksAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid jobId, CancellationToken ct)
    {
        var tasks = new List<ClaimedTask>();
        await using var load = connection.Command(tx, "SELECT format, state, attempts FROM tasks WHERE job_id = @id ORDER BY format", ("id", jobId));
        await using var reader = await load.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            tasks.Add(new ClaimedTask(reader.GetString(0), StateNames.ParseTaskState(reader.GetString(1)), reader.GetInt32(2)));
        }
        return tasks;
    }
}

/// <summary>A user who has a job that can run now: the job a claim takes first (URL or not, and its target server).</summary>
public sealed record QueueHead(string OwnerId, bool IsUrl, string? TargetServer);

/// <summary>What a dispatch round passes over: URL jobs of full target servers, or every URL job when no capture can start.</summary>
public sealed record QueueFilter(IReadOnlyCollection<string> FullServers, bool CaptureBlocked)
{
    public static readonly QueueFilter None = new([], false);
}

/// <summary>What a dispatch round starts from: whether any job is queued; the target servers of queued URL jobs (null: none).</summary>
public sealed record QueuedWork(bool Any, IReadOnlyList<string>? Servers);
