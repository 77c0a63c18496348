namespace Platform.AppHost.Orchestration;

/// <summary>
/// The last lines one resource wrote, kept so a failing test or start-up can show them, and optionally echoed to the
/// console prefixed with the resource's name. Owner: the resource. Bound: <c>capacity</c> lines. Guarded by a lock
/// because stdout and stderr arrive on different threads.
/// </summary>
internal sealed class ResourceLog(string name, int capacity, bool echoToConsole)
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();

    public string Name => name;

    public void Write(string line)
    {
        lock (_gate)
        {
            if (_lines.Count >= capacity)
            {
                _lines.Dequeue();
            }
            _lines.Enqueue(line);
        }
        if (echoToConsole)
        {
            // Console.Out is synchronized, so lines from concurrent resources never interleave mid-line.
            Console.Out.WriteLine($"[{name}] {line}");
        }
    }

    public IReadOnlyList<string> Tail(int count)
    {
        lock (_gate)
        {
            return [.. _lines.Skip(Math.Max(0, _lines.Count - count))];
        }
    }
}
