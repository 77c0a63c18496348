using System.Security.Cryptography;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The password of a backing server the AppHost starts (Redis, PostgreSQL), as a secret parameter resource: the value in
/// <c>Parameters:{name}-password</c> when configured, otherwise one generated on first start and kept in
/// <c>{data directory}/{name}.password</c> (mode 0600, in the git-ignored data folder) so the servers' files and the
/// password stay together across runs. It reaches the services only inside their connection strings.
/// </summary>
public static class ServerPassword
{
    public static IResourceBuilder<ParameterResource> AddServerPassword(this IDistributedApplicationBuilder builder, string server, string dataDirectory)
    {
        var name = $"{server}-password";
        var configured = builder.Configuration[$"Parameters:{name}"];
        var value = configured is { Length: > 0 } ? configured : Persisted(Path.Combine(dataDirectory, $"{server}.password"));
        return builder.AddParameter(name, () => value, publishValueAsDefault: false, secret: true);
    }

    private static string Persisted(string file)
    {
        if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: >= 16 } existing)
        {
            return existing;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        // Hex: safe inside a Redis config line, a Redis connection string and an Npgsql connection string unquoted.
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        File.WriteAllText(file, password);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return password;
    }

    /// <summary>Writes a file only its owner can read (the server's config with the password in it).</summary>
    public static void WritePrivateFile(string path, string contents)
    {
        File.WriteAllText(path, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.WriteAllText(path, contents);
    }
}
