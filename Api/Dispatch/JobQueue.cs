using Platform.Api.Infrastructure;
using Platform.Api.Jobs;
using Platform.Api.Live;

namespace Platform.Api.Dispatch;

/// <summary>
/// The queue is the jobs table. Order: round-robin across users (the user whose job was dispatched longest ago — or
/// never — goes first), FIFO within a user. Claims take the user's advisory lock and re-count running jobs in the same
/// transaction, which keeps the per-user limit even when the Redis semaphore has forgotten its leases.
/// </summary>
public sealed class JobQueue(PostgresTransactions db)
{
    /// <summary>Users with queued work and a free running slot, in round-robin order.</summary>
    public Task<IReadOnlyList<string>> NextUsersAsync(int count, int runningPerUser, CancellationToken ct) =>
        db.RunAsync<IReadOnlyList<string>>(async (connection, tx, token) =>
        {
            await using var command = connection.Command(tx,
                """
                SELECT h.owner_id
                FROM (SELECT DISTINCT ON (owner_id) owner_id, created_at, id
                      FROM jobs WHERE state = 'queued'
                      ORDER BY owner_id, created_at, id) AS h
                JOIN users u ON u.id = h.owner_id
                WHERE (SELECT count(*) FROM jobs r WHERE r.owner_id = h.owner_id AND r.state IN ('running', 'cancelling')) < @limit
                ORDER BY u.last_dispatched_at NULLS FIRST, h.created_at, h.id
                LIMIT @count
                """,
                ("limit", (long)runningPerUser), ("count", count));
            await using var reader = await command.ExecuteReaderAsync(token);
            var users = new List<string>();
            while (await reader.ReadAsync(token))
            {
                users.Add(reader.GetString(0));
            }
            return users;
        }, ct);

    /// <summary>
    /// Claims the user's oldest queued job for this instance: running, lease_epoch + 1, lease for <paramref name="lease"/>.
    /// Null when the user has no queued job left or already runs <paramref name="runningPerUser"/> jobs.
    /// </summary>
    public async Task<(ClaimedJob Job, IReadOnlyList<JobEventMessage> Events)?> ClaimNextAsync(
        string ownerId, string instance, TimeSpan lease, int runningPerUser, CancellationToken ct)
    {
        // clock_timestamp(), not now(): claims serialized by the user lock must be stamped in the order they happened,
        // and now() is when each transaction began.
        return await db.RunAsync<(ClaimedJob, IReadOnlyList<JobEventMessage>)?>(async (connection, tx, token) =>
        {
            await connection.LockUserAsync(tx, ownerId, token);
            var usage = await connection.CountAsync(tx, ownerId, token);
            if (usage.Running >= runningPerUser)
            {
                return null;
            }

            Guid id;
            long epoch;
            int attempt;
            string? url, text;
            string options;
            string? traceParent;
            DateTimeOffset queuedAt;
            await using (var claim = connection.Command(tx,
                """
                UPDATE jobs SET state = 'running', lease_epoch = lease_epoch + 1, lease_expires_at = clock_timestamp() + @lease,
                                owner_instance = @instance, started_at = clock_timestamp(), error = NULL
                WHERE id = (SELECT id FROM jobs WHERE owner_id = @owner AND state = 'queued'
                            ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING id, lease_epoch, attempt, source_url, source_text, options::text, queued_at, trace_parent
                """,
                ("lease", lease), ("instance", instance), ("owner", ownerId)))
            await using (var reader = await claim.ExecuteReaderAsync(token))
            {
                if (!await reader.ReadAsync(token))
                {
                    return null;
                }
                id = reader.GetGuid(0);
                epoch = reader.GetInt64(1);
                attempt = reader.GetInt32(2);
                url = reader.IsDBNull(3) ? null : reader.GetString(3);
                text = reader.IsDBNull(4) ? null : reader.GetString(4);
                options = reader.GetString(5);
                queuedAt = reader.GetFieldValue<DateTimeOffset>(6);
                traceParent = reader.IsDBNull(7) ? null : reader.GetString(7);
            }

            var events = await new JobEventBatch()
                .Add(JobEventTypes.JobState, new { state = JobState.Running, attempt, instance })
                .AppendAsync(connection, tx, id, epoch, token) ?? throw new InvalidOperationException("A job claimed in this transaction must accept its events.");
            await connection.ExecuteAsync(tx, "UPDATE users SET last_dispatched_at = clock_timestamp() WHERE id = @owner", token, ("owner", ownerId));

            var tasks = new List<ClaimedTask>();
            await using (var load = connection.Command(tx, "SELECT format, state, attempts FROM tasks WHERE job_id = @id ORDER BY format", ("id", id)))
            await using (var reader = await load.ExecuteReaderAsync(token))
            {
                while (await reader.ReadAsync(token))
                {
                    tasks.Add(new ClaimedTask(reader.GetString(0), StateNames.ParseTaskState(reader.GetString(1)), reader.GetInt32(2)));
                }
            }
            return (new ClaimedJob(id, ownerId, epoch, attempt, url, text, options, queuedAt, tasks, traceParent), events);
        }, ct);
    }
}
