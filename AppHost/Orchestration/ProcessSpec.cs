namespace Platform.AppHost.Orchestration;

/// <summary>How to launch one supervised process and how to tell it is healthy.</summary>
internal sealed record ProcessSpec
{
    public required string FileName { get; init; }

    public IReadOnlyList<string> Arguments { get; init; } = [];

    public string? WorkingDirectory { get; init; }

    /// <summary>Added to (and overriding) the AppHost's own environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Run as this user (PostgreSQL refuses to run as root). Null = as the AppHost.</summary>
    public string? RunAsUser { get; init; }

    /// <summary>The signal that asks the process to stop gracefully (PostgreSQL: SIGINT = fast shutdown).</summary>
    public int StopSignal { get; init; } = Posix.SIGTERM;

    public Uri? Url { get; init; }

    /// <summary>One health check attempt; false (not an exception) when not healthy yet.</summary>
    public required Func<CancellationToken, Task<bool>> Probe { get; init; }
}
