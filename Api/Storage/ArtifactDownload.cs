using System.Data;
using Npgsql;

namespace Platform.Api.Storage;

/// <summary>What a download needs to know before sending the bytes.</summary>
public sealed record ArtifactInfo(Guid JobId, string Format, string ContentType, long Size, string Sha256);

/// <summary>
/// Streams an artifact's bytes from PostgreSQL to the response: the bytea column is read with
/// <see cref="CommandBehavior.SequentialAccess"/> and <see cref="NpgsqlDataReader.GetStream(int)"/>, so a 32 MiB
/// screenshot passes through a small buffer instead of being loaded whole into the Api (docs/architecture.md, "Storage").
/// </summary>
public static class ArtifactDownload
{
    public static async Task CopyToAsync(NpgsqlDataSource database, ArtifactInfo artifact, Stream destination, CancellationToken ct)
    {
        await using var command = database.CreateCommand("SELECT bytes FROM artifacts WHERE job_id = @job AND format = @format");
        command.Parameters.AddWithValue("job", artifact.JobId);
        command.Parameters.AddWithValue("format", artifact.Format);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess | CommandBehavior.SingleRow, ct);
        if (!await reader.ReadAsync(ct))
        {
            return; // deleted between the lookup and the read: the client sees a short body, as with any aborted download
        }
        await using var bytes = await reader.GetStreamAsync(0, ct);
        await bytes.CopyToAsync(destination, 81_920, ct);
    }
}
