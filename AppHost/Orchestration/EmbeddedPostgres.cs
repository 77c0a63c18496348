using Npgsql;

namespace Platform.AppHost.Orchestration;

/// <summary>
/// PostgreSQL in a data directory of our own: initdb on first run, a loopback TCP port, trust authentication (only
/// local processes can reach it), no Unix socket (so the data path's length does not matter). As root it runs as the
/// <c>postgres</c> user, because PostgreSQL refuses to run as root.
/// </summary>
internal static class EmbeddedPostgres
{
    public const string DatabaseName = "platform";
    private const string SuperUser = "postgres";

    public static string ConnectionString(int port, string database = DatabaseName) =>
        $"Host=127.0.0.1;Port={port};Database={database};Username={SuperUser}";

    public static async Task<ProcessSpec> PrepareAsync(string dataRoot, int port, bool durable, string tag, ResourceLog log, CancellationToken ct)
    {
        var binaries = FindBinaries();
        var directory = Path.Combine(dataRoot, "postgres");
        var runAs = Posix.IsRoot ? SuperUser : null;
        Directory.CreateDirectory(directory);

        if (runAs is not null)
        {
            await RunAsync(new ProcessSpec { FileName = "chown", Arguments = [$"{runAs}:{runAs}", directory], Probe = NoProbe }, tag, log, ct);
            await EnsureReachableAsync(directory, runAs, tag, log, ct);
        }

        if (!File.Exists(Path.Combine(directory, "PG_VERSION")))
        {
            log.Write($"initdb {directory}");
            await RunAsync(new ProcessSpec
            {
                FileName = Path.Combine(binaries, "initdb"),
                Arguments = ["-D", directory, "-U", SuperUser, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions", .. durable ? Array.Empty<string>() : ["--no-sync"]],
                RunAsUser = runAs,
                Probe = NoProbe,
            }, tag, log, ct);
        }

        List<string> arguments =
        [
            "-D", directory, "-p", $"{port}",
            "-c", "listen_addresses=127.0.0.1",
            "-c", "unix_socket_directories=",
            // Two Api replicas with Npgsql's default pool of 100 each, plus migrations, probes and tools.
            "-c", "max_connections=300",
        ];
        if (!durable)
        {
            // Tests only: a crash of the machine could lose committed data; a crash of PostgreSQL cannot (commits still
            // write their WAL to the OS, so synchronous_commit stays on: tests kill PostgreSQL and expect their data).
            arguments.AddRange(["-c", "fsync=off", "-c", "full_page_writes=off"]);
        }

        return new ProcessSpec
        {
            FileName = Path.Combine(binaries, "postgres"),
            Arguments = arguments,
            WorkingDirectory = directory,
            RunAsUser = runAs,
            StopSignal = Posix.SIGINT, // "fast" shutdown; SIGTERM ("smart") would wait for every client to disconnect
            Url = new Uri($"postgresql://{SuperUser}@127.0.0.1:{port}/{DatabaseName}"),
            Probe = HealthProbes.PostgresQuery(ConnectionString(port, "postgres")),
        };
    }

    public static async Task EnsureDatabaseAsync(int port, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(port, "postgres"));
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", DatabaseName);
        if (await exists.ExecuteScalarAsync(ct) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{DatabaseName}\"", connection);
            await create.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task EnsureReachableAsync(string directory, string user, string tag, ResourceLog log, CancellationToken ct)
    {
        try
        {
            await RunAsync(new ProcessSpec { FileName = "test", Arguments = ["-w", directory], RunAsUser = user, Probe = NoProbe }, tag, log, ct);
        }
        catch (InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"PostgreSQL runs as the '{user}' user, which cannot reach {directory} (a parent directory is not traversable). " +
                "Choose a data directory it can reach with --data-dir or PLATFORM_DATA_DIR (e.g. /var/tmp/platform).");
        }
    }

    private static Task RunAsync(ProcessSpec spec, string tag, ResourceLog log, CancellationToken ct) =>
        ChildProcess.RunToCompletionAsync(spec, tag, log, TimeSpan.FromMinutes(2), ct);

    private static string FindBinaries()
    {
        if (Environment.GetEnvironmentVariable("PLATFORM_POSTGRES_BIN") is { Length: > 0 } configured)
        {
            return configured;
        }
        // Debian installs each major version side by side; take the newest.
        var installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "postgres")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var major) ? major : 0)
                .FirstOrDefault()
            : null;
        return installed
            ?? (ChildProcess.FindExecutable("postgres") is { } onPath ? Path.GetDirectoryName(onPath)! : null)
            ?? throw new InvalidOperationException("PostgreSQL is not installed (apt-get install postgresql), and ConnectionStrings__platform is not set.");
    }

    private static Task<bool> NoProbe(CancellationToken ct) => Task.FromResult(true);
}
