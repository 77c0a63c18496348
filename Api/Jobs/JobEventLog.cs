using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Platform.Api.Infrastructure;
using Platform.Api.Live;

namespace Platform.Api.Jobs;

/// <summary>
/// Appends events to a job's log inside the caller's transaction: one UPDATE of jobs.last_seq (which also takes the job's
/// row lock and, for executors, checks the fencing condition) and one INSERT of the events with the seqs it reserved.
/// Seqs are therefore gapless and ordered exactly like the row-lock order of the writers.
/// </summary>
/// <param name="time">Stamps the events (their <c>at</c>).</param>
public sealed class JobEventBatch(TimeProvider time)
{
    private readonly List<(string Type, JsonElement Data)> _events = [];

    public int Count => _events.Count;

    public JobEventBatch Add(string type, object data)
    {
        _events.Add((type, JsonSerializer.SerializeToElement(data, JsonSerializerOptions.Web)));
        return this;
    }

    /// <summary>
    /// Reserves seqs and inserts the events. With a <paramref name="fence"/> the reservation only succeeds while the job
    /// still carries that lease epoch and holds a running slot (running or cancelling); returns null when it does not (nothing is written).
    /// </summary>
    public async Task<IReadOnlyList<JobEventMessage>?> AppendAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid jobId, long? fence, CancellationToken ct)
    {
        if (_events.Count == 0)
        {
            return [];
        }
        // One round trip: the seqs are reserved (under the fence, if any) and the events inserted in the same statement;
        // when the reservation matches no row nothing is inserted and no row comes back.
        var fenced = fence is null ? "" : $" AND lease_epoch = @epoch AND state IN {JobStateSql.RunningSlot}";
        var at = time.GetUtcNow();
        await using var append = connection.Command(transaction,
            $"""
            WITH reserved AS (
                UPDATE jobs SET last_seq = last_seq + @n WHERE id = @id{fenced} RETURNING last_seq, owner_id),
            inserted AS (
                INSERT INTO events (job_id, seq, type, at, data)
                SELECT @id, r.last_seq - @n + x.ordinal, x.type, @at, x.data::jsonb
                FROM reserved r, unnest(@types, @datas) WITH ORDINALITY AS x(type, data, ordinal))
            SELECT last_seq, owner_id, pg_current_xact_id()::text FROM reserved
            """,
            ("n", (long)_events.Count), ("id", jobId), ("epoch", fence ?? 0L), ("at", at));
        append.Parameters.AddWithValue("types", _events.Select(e => e.Type).ToArray());
        append.Parameters.AddWithValue("datas", NpgsqlDbType.Array | NpgsqlDbType.Text, _events.Select(e => e.Data.GetRawText()).ToArray());
        await using var reader = await append.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }
        var lastSeq = reader.GetInt64(0);
        var ownerId = reader.GetString(1);
        PostgresTransactions.KnowId(transaction, reader.GetString(2));
        var firstSeq = lastSeq - _events.Count + 1;
        return [.. _events.Select((e, i) => new JobEventMessage(jobId, ownerId, firstSeq + i, e.Type, at, e.Data))];
    }
}
