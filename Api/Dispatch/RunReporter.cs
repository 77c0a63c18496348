using System.Text;
using Platform.Api.Formats;

namespace Platform.Api.Dispatch;

/// <summary>
/// The single writer of one executing job: every fenced write of the run goes through its gate, so the job's event
/// order follows cause and effect (output before result, progress never after a task ended). Progress is coalesced
/// (latest per task) and flushed at most every <c>progressInterval</c>; streamed output is batched every
/// <c>outputInterval</c>. Owned by the executor, one per run, stopped with it.
/// </summary>
public sealed class RunReporter : ITaskReporter, IAsyncDisposable
{
    /// <summary>Buffered output beyond which AppendOutputAsync waits for a flush (backpressure on a fast stream).</summary>
    private const int MaxBufferedOutputChars = 64 * 1024;

    private readonly ClaimedJob _job;
    private readonly FencedJobWriter _writer;
    private readonly Action<Exception> _onWriteFailure;
    private readonly TimeSpan _progressInterval;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TaskProgressUpdate> _progress = [];
    private readonly Dictionary<string, StringBuilder> _output = [];
    private readonly HashSet<string> _ended = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _flushLoop;
    private DateTimeOffset _lastProgressFlush = DateTimeOffset.MinValue;

    public RunReporter(ClaimedJob job, FencedJobWriter writer, TimeSpan outputInterval, TimeSpan progressInterval, TimeProvider time, Action<Exception> onWriteFailure)
    {
        _job = job;
        _writer = writer;
        _progressInterval = progressInterval;
        _time = time;
        _onWriteFailure = onWriteFailure;
        _flushLoop = FlushPeriodicallyAsync(outputInterval);
    }

    public void ReportProgress(string format, double fraction, string? message)
    {
        lock (_lock)
        {
            if (!_ended.Contains(format))
            {
                _progress[format] = new TaskProgressUpdate(format, fraction, message);
            }
        }
    }

    public async ValueTask AppendOutputAsync(string format, string chunk, CancellationToken cancellationToken)
    {
        int buffered;
        lock (_lock)
        {
            if (!_output.TryGetValue(format, out var builder))
            {
                _output[format] = builder = new StringBuilder();
            }
            builder.Append(chunk);
            buffered = builder.Length;
        }
        if (buffered >= MaxBufferedOutputChars)
        {
            await ExclusiveAsync(static () => Task.CompletedTask, cancellationToken);
        }
    }

    /// <summary>Flushes what is pending, then makes <paramref name="write"/> — nothing else of this run writes in between.</summary>
    public async Task ExclusiveAsync(Func<Task> write, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await FlushPendingAsync(forceProgress: true);
            await write();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A task ended: its pending output is still written by the next flush, its later progress is dropped.</summary>
    public void MarkEnded(IEnumerable<string> formats)
    {
        lock (_lock)
        {
            foreach (var format in formats)
            {
                _ended.Add(format);
                _progress.Remove(format);
            }
        }
    }

    private async Task FlushPeriodicallyAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await _gate.WaitAsync(_stop.Token);
                try
                {
                    await FlushPendingAsync(forceProgress: false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _onWriteFailure(ex);
                }
                finally
                {
                    _gate.Release();
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task FlushPendingAsync(bool forceProgress)
    {
        List<(string, string)> output;
        List<TaskProgressUpdate> progress = [];
        lock (_lock)
        {
            output = [.. _output.Where(kv => kv.Value.Length > 0).Select(kv => (kv.Key, kv.Value.ToString()))];
            _output.Clear();
            if (forceProgress || _time.GetUtcNow() - _lastProgressFlush >= _progressInterval)
            {
                progress = [.. _progress.Values];
                _progress.Clear();
            }
        }
        if (output.Count > 0)
        {
            await _writer.TaskOutputAsync(_job, output, CancellationToken.None);
        }
        if (progress.Count > 0)
        {
            _lastProgressFlush = _time.GetUtcNow();
            await _writer.TaskProgressAsync(_job, progress, CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _flushLoop;
        _stop.Dispose();
        _gate.Dispose();
    }
}
