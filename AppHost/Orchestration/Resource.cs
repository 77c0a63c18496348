namespace Platform.AppHost.Orchestration;

public enum ResourceState
{
    NotStarted,
    Starting,
    Healthy,
    Paused,
    /// <summary>Exited unexpectedly (or was killed); the supervisor starts it again after a backoff.</summary>
    Restarting,
    Stopping,
    Stopped,
}

/// <summary>One part of the distributed app: a supervised process, an external server, or the in-process gateway.</summary>
public abstract class Resource
{
    private readonly Lock _stateGate = new();
    private ResourceState _state = ResourceState.NotStarted;
    private int _restartCount;

    private protected Resource(string name, ResourceLog log)
    {
        Name = name;
        Log = log;
    }

    public string Name { get; }

    public abstract Uri? Url { get; }

    /// <summary>The OS process id; null for an external server, the AppHost's own for the in-process gateway.</summary>
    public abstract int? Pid { get; }

    public ResourceState State
    {
        get { lock (_stateGate) { return _state; } }
    }

    /// <summary>How many times the process was started again, after a crash, a kill or <see cref="RestartAsync"/>.</summary>
    public int RestartCount => Volatile.Read(ref _restartCount);

    /// <summary>Raised on the thread that changed the state; handlers must be quick.</summary>
    public event Action<Resource>? StateChanged;

    internal ResourceLog Log { get; }

    /// <summary>The last lines the resource wrote (stdout and stderr), oldest first.</summary>
    public IReadOnlyList<string> RecentLogLines(int count = 100) => Log.Tail(count);

    /// <summary>SIGKILL, as a crash would; a supervised resource is restarted with backoff.</summary>
    public virtual Task KillAsync(CancellationToken ct = default) => throw NotSupported("killed");

    /// <summary>SIGSTOP to the whole process tree: it stays alive but answers nothing.</summary>
    public virtual Task PauseAsync(CancellationToken ct = default) => throw NotSupported("paused");

    /// <summary>SIGCONT to the whole process tree.</summary>
    public virtual Task ResumeAsync(CancellationToken ct = default) => throw NotSupported("resumed");

    /// <summary>Graceful stop, start again on the same port, wait until healthy. Embedded Redis comes back empty.</summary>
    public virtual Task RestartAsync(CancellationToken ct = default) => throw NotSupported("restarted");

    /// <summary>Waits until one health check passes (HTTP /health 200, Redis PING, PostgreSQL connection).</summary>
    public abstract Task WaitHealthyAsync(CancellationToken ct = default);

    public override string ToString() => $"{Name} ({State}, pid {Pid?.ToString() ?? "-"})";

    internal void SetState(ResourceState state)
    {
        lock (_stateGate)
        {
            if (_state == state)
            {
                return;
            }
            _state = state;
        }
        StateChanged?.Invoke(this);
    }

    /// <summary>Changes the state only from <paramref name="expected"/>, so a late health result cannot undo a pause or a kill.</summary>
    internal bool TrySetState(ResourceState expected, ResourceState state)
    {
        lock (_stateGate)
        {
            if (_state != expected)
            {
                return false;
            }
            _state = state;
        }
        StateChanged?.Invoke(this);
        return true;
    }

    internal int IncrementRestartCount() => Interlocked.Increment(ref _restartCount);

    private NotSupportedException NotSupported(string verb) =>
        new($"{Name} cannot be {verb}: {GetType().Name switch
        {
            nameof(ExternalResource) => "it is an external server given by connection string, not a process AppHost owns",
            _ => "it runs inside the AppHost process",
        }}.");
}
