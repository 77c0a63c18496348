namespace Platform.Testing;

/// <summary>The last <see cref="Capacity"/> lines of a log, thread-safe: for assertions and failure messages.</summary>
internal sealed class LogTail
{
    private const int Capacity = 2000;
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();

    public void Add(string line)
    {
        lock (_gate)
        {
            _lines.Enqueue(line);
            if (_lines.Count > Capacity)
            {
                _lines.Dequeue();
            }
        }
    }

    public IReadOnlyList<string> Last(int count)
    {
        lock (_gate)
        {
            var lines = _lines.ToArray();
            return lines[Math.Max(0, lines.Length - count)..];
        }
    }
}
