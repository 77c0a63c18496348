namespace Platform.AppHost.Orchestration;

/// <summary>redis-server on a loopback port with persistence off, so a restart comes back empty (as a real Redis restart
/// without persistence does: the case the job engine must survive).</summary>
internal static class EmbeddedRedis
{
    public static string ConnectionString(int port) => $"127.0.0.1:{port}";

    public static ProcessSpec Spec(string dataRoot, int port)
    {
        var directory = Path.Combine(dataRoot, "redis");
        Directory.CreateDirectory(directory);
        var executable = ChildProcess.FindExecutable("redis-server")
            ?? throw new InvalidOperationException("redis-server is not installed (apt-get install redis-server), and ConnectionStrings__redis is not set.");
        return new ProcessSpec
        {
            FileName = executable,
            Arguments =
            [
                "--port", $"{port}", "--bind", "127.0.0.1", "--daemonize", "no",
                "--save", "", "--appendonly", "no", "--dir", directory,
            ],
            WorkingDirectory = directory,
            Url = new Uri($"redis://127.0.0.1:{port}"),
            Probe = HealthProbes.RedisPing(ConnectionString(port)),
        };
    }
}
