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
        var sql = fence is null
            ? "UPDATE jobs SET last_seq = last_seq + @n WHERE id = @id RETURNING last_seq, owner_id"
            : $"UPDATE jobs SET last_seq = last_seq + @n WHERE id = @id AND lease_epoch = @epoch AND state IN {JobStateSql.RunningSlot} RETURNING last_seq, owner_id";
        long lastSeq;
        string ownerId;
        await using (var reserve = connection.Command(transaction, sql, ("n", (long)_events.Count), ("id", jobId), ("epoch", fence ?? 0L)))
        await using (var reader = await reserve.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }
            lastSeq = reader.GetInt64(0);
            ownerId = reader.GetString(1);
        }

        var at = time.GetUtcNow();
        var firstSeq = lastSeq - _events.Count + 1;
        var messages = _events.Select((e, i) => new JobEventMessage(jobId, ownerId, firstSeq + i, e.Type, at, e.Data)).ToList();
        await using var insert = connection.Command(transaction,
            """
            INSERT INTO events (job_id, seq, type, at, data)
            SELECT @id, x.seq, x.type, @at, x.data::jsonb FROM unnest(@seqs, @types, @datas) AS x(seq, type, data)
            """,
            ("id", jobId), ("at", at));
        insert.Parameters.AddWithValue("seqs", messages.Select(m => m.Seq).ToArray());
        insert.Parameters.AddWithValue("types", messages.Select(m => m.Type).ToArray());
        insert.Parameters.AddWithValue("datas", NpgsqlDbType.Array | NpgsqlDbType.Text, messages.Select(m => m.Data.GetRawText()).ToArray());
        await insert.ExecuteNonQueryAsync(ct);
        return messages;
    }
}
