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
}
