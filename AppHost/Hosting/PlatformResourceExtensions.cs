using Platform.AppHost;

namespace Aspire.Hosting;

public static class PlatformResourceExtensions
{
    /// <summary>
    /// The PostgreSQL database <paramref name="database"/>: the one in <c>ConnectionStrings__{database}</c> when configured
    /// (managed PostgreSQL; nothing is started), otherwise on a PostgreSQL server <paramref name="server"/> started here.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddPlatformDatabase(
        this IDistributedApplicationBuilder builder, string server, string database, AppHostSettings settings) =>
        builder.Configuration.GetConnectionString(database) is { Length: > 0 }
            ? builder.AddConnectionString(database)
            : builder.AddPostgresServer(server, settings.DataDirectory, settings.DurableData).AddDatabase(database);

    /// <summary>
    /// The public port. A fixed port is bound by the gateway itself (no proxy hop, and the gateway sees the client's
    /// address); port 0 (tests) lets DCP pick one, which only works behind DCP's proxy.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPublicHttpEndpoint(this IResourceBuilder<ProjectResource> gateway, int port) =>
        port == 0
            ? gateway.WithHttpEndpoint().WithExternalHttpEndpoints()
            : gateway.WithHttpEndpoint(port: port, targetPort: port, isProxied: false).WithExternalHttpEndpoints();

    /// <summary>
    /// The operator's admin account, made out of band by the migration step (never by registering): the email from
    /// <c>PLATFORM_ADMIN_EMAIL</c>, the password from the secret parameter <c>admin-password</c>
    /// (<c>Parameters__admin-password</c>; the dashboard asks for it when it is missing). No email, no admin.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithBootstrapAdmin(this IResourceBuilder<ProjectResource> migration, string? email)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            return migration;
        }
        var password = migration.ApplicationBuilder.AddParameter("admin-password", secret: true);
        return migration
            .WithEnvironment("Accounts__BootstrapAdmin__Email", email)
            .WithEnvironment("Accounts__BootstrapAdmin__Password", password);
    }
}
