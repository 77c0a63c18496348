using System.Data;
using Npgsql;

namespace Platform.Api.Storage;

/// <summary>What a download needs to know before sending the bytes: the response's headers.</summary>
public sealed record ArtifactInfo(string ContentType, long Size, string Sha256);

/// <summary>
/// One artifact's download in one query: its row (the job's owner checked in the same statement) is read with
/// <see cref="CommandBehavior.SequentialAccess"/>, its description first (<see cref="Info"/>: the response's headers), then
/// its bytea column through <see cref="NpgsqlDataReader.GetStreamAsync(int, CancellationToken)"/>, so a 32 MiB screenshot
/// passes through a small buffer instead of being loaded whole into the Api (docs/architecture.md, "Storage"). The data
/// source's command holds a pooled connection from <see cref="OpenAsync"/> until the reader is disposed (the response
/// disposes this once the body is sent).
/// </summary>
public sealed class ArtifactDownload : IAsyncDisposable
{
    private readonly NpgsqlCommand _command;
    private readonly NpgsqlDataReader _reader;

    private ArtifactDownload(NpgsqlCommand command, NpgsqlDataReader reader, ArtifactInfo info)
    {
        _command = command;
        _reader = reader;
        Info = info;
    }

    public ArtifactInfo Info { get; }

    /// <summary>The artifact of <paramref name="format"/> of a job of <paramref name="ownerId"/>'s, positioned before its bytes; null when there is none.</summary>
    public static async Task<ArtifactDownload?> OpenAsync(NpgsqlDataSource database, string ownerId, Guid jobId, string format, CancellationToken ct)
    {
        var command = database.CreateCommand(
            """
            SELECT a.content_type, a.size, a.sha256, a.bytes
            FROM artifacts a JOIN jobs j ON j.id = a.job_id
            WHERE a.job_id = @job AND a.format = @format AND j.owner_id = @owner
            """);
        command.Parameters.AddWithValue("job", jobId);
        command.Parameters.AddWithValue("format", format);
        command.Parameters.AddWithValue("owner", ownerId);
        NpgsqlDataReader? reader = null;
        try
        {
            reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess | CommandBehavior.SingleRow, ct);
            if (await reader.ReadAsync(ct))
            {
                return new ArtifactDownload(command, reader, new ArtifactInfo(reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
            }
        }
        catch
        {
            await DisposeAsync(reader, command);
            throw;
        }
        await DisposeAsync(reader, command);
        return null;
    }

    /// <summary>Streams the bytes to <paramref name="destination"/>.</summary>
    public async Task CopyToAsync(Stream destination, CancellationToken ct)
    {
        await using var bytes = await _reader.GetStreamAsync(3, ct);
        await bytes.CopyToAsync(destination, 81_920, ct);
    }

    public ValueTask DisposeAsync() => DisposeAsync(_reader, _command);

    private static async ValueTask DisposeAsync(NpgsqlDataReader? reader, NpgsqlCommand command)
    {
        if (reader is not null)
        {
            await reader.DisposeAsync(); // gives the data source's connection back
        }
        await command.DisposeAsync();
    }
}
