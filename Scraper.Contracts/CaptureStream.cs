using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Scraper.Contracts;

/// <summary>The capture stream's framing, written by the Scraper and read by its clients: one definition of the wire format.</summary>
public static class CaptureStream
{
    /// <summary>Newline-delimited JSON frames, where a frame that declares a length is followed by that many raw bytes.</summary>
    public const string MediaType = "application/vnd.platform.capture-stream";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>Writes frames to a response body, flushing each so progress reaches the caller as it happens.</summary>
public sealed class CaptureStreamWriter(Stream body, Func<Task>? complete = null)
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    /// <summary>
    /// Ends the stream for the reader now (the last frame is written), while the writer goes on with its own clean-up:
    /// the caller stops waiting for a page to close. A reader already gone is no error.
    /// </summary>
    public async Task CompleteAsync()
    {
        if (complete is null)
        {
            return;
        }
        try
        {
            await complete();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
        }
    }

    public long BytesWritten { get; private set; }

    public async Task WriteAsync(CaptureFrame frame, CancellationToken ct)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(frame, CaptureStream.Json);
        await body.WriteAsync(json, ct);
        await body.WriteAsync(NewLine, ct);
        BytesWritten += json.Length + 1;
        await body.FlushAsync(ct);
    }

    public async Task WriteBinaryAsync(CaptureFrame header, ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(header with { Length = payload.Length }, CaptureStream.Json);
        await body.WriteAsync(json, ct);
        await body.WriteAsync(NewLine, ct);
        await body.WriteAsync(payload, ct);
        await body.WriteAsync(NewLine, ct);
        BytesWritten += json.Length + payload.Length + 2;
        await body.FlushAsync(ct);
    }
}

/// <summary>Reads frames from a capture stream; binary frames come back with <see cref="CaptureFrame.Body"/> filled.</summary>
public static class CaptureStreamReader
{
    /// <summary>Largest JSON line accepted (an HTML output of a huge page is one line); bounds the reader's buffer.</summary>
    public const int DefaultMaxFrameBytes = 64 * 1024 * 1024;

    public static async IAsyncEnumerable<CaptureFrame> ReadAsync(
        Stream stream, [EnumeratorCancellation] CancellationToken ct = default, int maxFrameBytes = DefaultMaxFrameBytes)
    {
        var buffer = new FrameBuffer(stream, maxFrameBytes);
        try
        {
            while (true)
            {
                var line = await buffer.ReadLineAsync(ct);
                if (line is null)
                {
                    yield break;
                }
                if (line.Value.Length == 0)
                {
                    continue;
                }
                var frame = JsonSerializer.Deserialize<CaptureFrame>(line.Value.Span, CaptureStream.Json)
                    ?? throw new InvalidDataException("Empty capture frame.");
                if (frame.Length is { } length)
                {
                    if (length < 0 || length > maxFrameBytes)
                    {
                        throw new InvalidDataException($"Binary frame of {length} bytes exceeds the limit.");
                    }
                    var payload = await buffer.ReadExactAsync((int)length, ct);
                    var terminator = await buffer.ReadLineAsync(ct);
                    if (terminator is not { Length: 0 })
                    {
                        throw new InvalidDataException("Binary frame is not followed by a newline.");
                    }
                    frame = frame with { Body = payload };
                }
                else if (frame.Base64 is { } base64)
                {
                    frame = frame with { Body = Convert.FromBase64String(base64), Base64 = null };
                }
                yield return frame;
            }
        }
        finally
        {
            buffer.Dispose();
        }
    }

    private sealed class FrameBuffer(Stream stream, int maxFrameBytes) : IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        private int _start;
        private int _end;
        private bool _eof;

        public async ValueTask<ReadOnlyMemory<byte>?> ReadLineAsync(CancellationToken ct)
        {
            var scanned = 0;
            while (true)
            {
                var index = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
                if (index >= 0)
                {
                    var line = _buffer.AsMemory(_start, scanned + index).ToArray();
                    _start += scanned + index + 1;
                    return line;
                }
                scanned = _end - _start;
                if (_eof)
                {
                    if (scanned == 0)
                    {
                        return null;
                    }
                    throw new InvalidDataException("Capture stream ended in the middle of a frame.");
                }
                if (scanned > maxFrameBytes)
                {
                    throw new InvalidDataException("Capture frame exceeds the size limit.");
                }
                await FillAsync(ct);
            }
        }

        public async ValueTask<ReadOnlyMemory<byte>> ReadExactAsync(int count, CancellationToken ct)
        {
            var result = new byte[count];
            var copied = Math.Min(count, _end - _start);
            _buffer.AsSpan(_start, copied).CopyTo(result);
            _start += copied;
            if (copied < count)
            {
                // Large payloads bypass the line buffer and land straight in their own array.
                await stream.ReadExactlyAsync(result.AsMemory(copied), ct);
            }
            return result;
        }

        private async ValueTask FillAsync(CancellationToken ct)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                Buffer.BlockCopy(_buffer, 0, larger, 0, _end);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
            if (read == 0)
            {
                _eof = true;
            }
            _end += read;
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
    }
}
