using static Aspire.Hosting.ApplicationModel.CommandLineArgs;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Debian's PostgreSQL as an executable resource (Aspire's own is a container): a cluster of its own under the data
/// directory, created with initdb on first start, listening on loopback only, no Unix socket. PostgreSQL refuses to run
/// as root, so as root it is started through <c>setpriv</c> as the <c>postgres</c> user (same pid: DCP signals
/// PostgreSQL itself). Logins over loopback need the superuser's password (scram-sha-256), never trust: Chromium and any
/// other local process can reach the port, and the database holds the Data Protection keys.
/// </summary>
public sealed class PostgresServerResource(string name, string command, string dataDirectory, ParameterResource password)
    : ExecutableResource(name, command, dataDirectory), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";
    internal const string SuperUser = "postgres";

    public string DataDirectory { get; } = dataDirectory;

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    public ParameterResource Password { get; } = password;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"Host={PrimaryEndpoint.Property(EndpointProperty.Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username={SuperUser};Password={Password}");

    internal Dictionary<string, string> Databases { get; } = [];
}

/// <summary>A database on a <see cref="PostgresServerResource"/>, created when the server is first ready.</summary>
public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource parent)
    : Resource(name), IResourceWithParent<PostgresServerResource>, IResourceWithConnectionString
{
    public PostgresServerResource Parent { get; } = parent;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent.ConnectionStringExpression};Database={DatabaseName}");
}

public static class PostgresServerBuilderExtensions
{
    /// <summary>
    /// PostgreSQL named <paramref name="name"/>, its cluster under <paramref name="dataDirectory"/>/<paramref name="name"/>.
    /// <paramref name="durable"/> = false turns fsync off (tests: only a machine crash, not a process crash, could lose data).
    /// </summary>
    public static IResourceBuilder<PostgresServerResource> AddPostgresServer(
        this IDistributedApplicationBuilder builder, string name, string dataDirectory, bool durable = true)
    {
        var binaries = PostgresInstallation.FindBinaries();
        var directory = Path.GetFullPath(Path.Combine(dataDirectory, name));
        var runAsPostgres = Environment.UserName == "root";
        var password = builder.AddServerPassword(name, dataDirectory);
        var postgres = new PostgresServerResource(name, "/bin/sh", directory, password.Resource);

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(postgres, async (e, ct) =>
        {
            var log = e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(postgres);
            await PostgresInstallation.EnsureClusterAsync(binaries, directory, runAsPostgres, durable, log, ct);
            await PostgresInstallation.EnsurePasswordAuthAsync(binaries, directory, runAsPostgres, await password.Resource.GetValueAsync(ct) ?? "", log, ct);
        });

        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(postgres, async (_, ct) =>
            connectionString = await postgres.ConnectionStringExpression.GetValueAsync(ct));
        builder.Eventing.Subscribe<ResourceReadyEvent>(postgres, async (e, ct) =>
        {
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            foreach (var database in builder.Resources.OfType<PostgresDatabaseResource>().Where(d => d.Parent == postgres))
            {
                await PostgresInstallation.EnsureDatabaseAsync($"{connectionString};Database=postgres", database.DatabaseName, ct);
                await notifications.PublishUpdateAsync(database, s => s with { State = KnownResourceStates.Running, StartTimeStamp = DateTime.UtcNow });
            }
        });
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddNpgSql(
            _ => $"{connectionString ?? throw new InvalidOperationException($"{name}: the connection string is not known yet")};Database=postgres",
            name: healthCheck);

        return builder.AddResource(postgres)
            .WithEndpoint(name: PostgresServerResource.PrimaryEndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                AddArgs(context, ["-c", FastShutdownOnTerm, "postgres-fast-shutdown"]);
                if (runAsPostgres)
                {
                    AddArgs(context,["setpriv", "--reuid", PostgresServerResource.SuperUser, "--regid", PostgresServerResource.SuperUser, "--init-groups", "--"]);
                }
                AddArgs(context, [Path.Combine(binaries, "postgres")]);
                AddArgs(context,["-D", directory, "-p"]);
                AddArgs(context, postgres.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                AddArgs(context,[
                    "-c", "listen_addresses=localhost",
                    "-c", "unix_socket_directories=",
                    // Each Api replica pools up to 100 connections (Npgsql's default), plus the migration, probes and tools.
                    "-c", "max_connections=300",
                    .. durable ? Array.Empty<string>() : ["-c", "fsync=off", "-c", "full_page_writes=off"],
                ]);
            })
            .WithIconName("DatabaseMultiple")
            .WithHealthCheck(healthCheck);
    }

    /// <summary>
    /// Runs PostgreSQL (the arguments after the script) and turns DCP's stop signal, SIGTERM, into SIGINT. To PostgreSQL
    /// SIGTERM is a "smart" shutdown, which waits for every client to disconnect — and the Api replicas' pooled connections
    /// never do while they run, so a restart of PostgreSQL alone (the chaos suite's, an operator's) hung until DCP gave up
    /// ("Failed to stop resource") or killed it (crash recovery on the next start). SIGINT is the "fast" shutdown: clients
    /// are disconnected, a shutdown checkpoint is written, and it is down in about a second.
    /// </summary>
    private const string FastShutdownOnTerm = """
        "$@" &
        child=$!
        trap 'kill -INT "$child" 2>/dev/null' TERM INT
        wait "$child"; status=$?
        if kill -0 "$child" 2>/dev/null; then wait "$child"; status=$?; fi
        exit "$status"
        """;

    /// <summary>The database <paramref name="name"/> on this server; resources that wait for it start once it exists.</summary>
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> server, string name)
    {
        var database = new PostgresDatabaseResource(name, name, server.Resource);
        string? connectionString = null;
        server.ApplicationBuilder.Eventing.Subscribe<ConnectionStringAvailableEvent>(database, async (_, ct) =>
            connectionString = await database.ConnectionStringExpression.GetValueAsync(ct));
        var healthCheck = $"{name}_check";
        server.ApplicationBuilder.Services.AddHealthChecks().AddNpgSql(
            _ => connectionString ?? throw new InvalidOperationException($"{name}: the connection string is not known yet"),
            name: healthCheck);

        return server.ApplicationBuilder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [new("database", name)],
            })
            .WithIconName("Database")
            .WithHealthCheck(healthCheck);
    }
}

internal static class PostgresInstallation
{
    public static string FindBinaries()
    {
        if (Environment.GetEnvironmentVariable("PLATFORM_POSTGRES_BIN") is { Length: > 0 } configured)
        {
            return configured;
        }
        // Debian installs each major version side by side; take the newest.
        return Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "postgres")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var major) ? major : 0)
                .FirstOrDefault() ?? Missing()
            : Missing();

        static string Missing() => throw new InvalidOperationException(
            "PostgreSQL is not installed (apt-get install postgresql) and ConnectionStrings__platform is not set.");
    }

    /// <summary>initdb on first start; as root the cluster belongs to the postgres user, who must be able to reach it.</summary>
    public static async Task EnsureClusterAsync(string binaries, string directory, bool runAsPostgres, bool durable, ILogger log, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        if (runAsPostgres)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", directory], log, ct);
            if (!await RunAsync("setpriv", [.. AsPostgres, "test", "-w", directory], log, ct, throwOnFailure: false))
            {
                throw new InvalidOperationException(
                    $"PostgreSQL runs as the 'postgres' user, which cannot reach {directory} (a parent folder is not traversable). " +
                    "Choose a data folder it can reach with PLATFORM_DATA_DIR (for example /var/tmp/platform).");
            }
        }
        if (File.Exists(Path.Combine(directory, "PG_VERSION")))
        {
            return;
        }
        log.LogInformation("initdb {Directory}", directory);
        string[] initdb = [Path.Combine(binaries, "initdb"), "-D", directory, "-U", PostgresServerResource.SuperUser, "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions", .. durable ? Array.Empty<string>() : ["--no-sync"]];
        await RunAsync(runAsPostgres ? "setpriv" : initdb[0], runAsPostgres ? [.. AsPostgres, .. initdb] : initdb[1..], log, ct);
    }

    /// <summary>
    /// Loopback logins by password only (scram-sha-256), the superuser's password being <paramref name="password"/>. Done
    /// while the server is stopped (single-user mode sets the password), and only when the password or pg_hba.conf
    /// changed, so a cluster made with trust by an older AppHost is converted on its next start.
    /// </summary>
    public static async Task EnsurePasswordAuthAsync(string binaries, string directory, bool runAsPostgres, string password, ILogger log, CancellationToken ct)
    {
        const string hba = "# Written by the AppHost: loopback TCP only (no Unix socket), by password.\n" +
            "host all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\n";
        var hbaFile = Path.Combine(directory, "pg_hba.conf");
        var marker = Path.Combine(directory, "platform-auth");
        var stamp = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(password + "\n" + hba)));
        if (File.Exists(marker) && File.ReadAllText(marker) == stamp && File.ReadAllText(hbaFile) == hba)
        {
            return;
        }
        log.LogInformation("Setting the superuser's password and scram-sha-256 authentication in {Directory}", directory);
        string[] single = [Path.Combine(binaries, "postgres"), "--single", "-D", directory, "-c", "password_encryption=scram-sha-256", "postgres"];
        await RunAsync(runAsPostgres ? "setpriv" : single[0], runAsPostgres ? [.. AsPostgres, .. single] : single[1..], log, ct,
            input: $"ALTER ROLE {PostgresServerResource.SuperUser} PASSWORD '{password.Replace("'", "''")}';\n");
        await File.WriteAllTextAsync(hbaFile, hba, ct);
        await File.WriteAllTextAsync(marker, stamp, ct);
        if (runAsPostgres)
        {
            await RunAsync("chown", ["postgres:postgres", hbaFile, marker], log, ct);
        }
    }

    public static async Task EnsureDatabaseAsync(string serverConnectionString, string database, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(ct) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
            await create.ExecuteNonQueryAsync(ct);
        }
    }

    private static readonly string[] AsPostgres =
        ["--reuid", PostgresServerResource.SuperUser, "--regid", PostgresServerResource.SuperUser, "--init-groups", "--"];

    private static async Task<bool> RunAsync(string file, string[] arguments, ILogger log, CancellationToken ct, bool throwOnFailure = true, string? input = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        if (input is not null)
        {
            // Through stdin, not the command line: the password must not show in ps.
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var text = (await output + await errors).Trim();
        if (process.ExitCode == 0)
        {
            if (text.Length > 0)
            {
                log.LogInformation("{Output}", text);
            }
            return true;
        }
        if (throwOnFailure)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {text}");
        }
        return false;
    }
}
