using static Aspire.Hosting.ApplicationModel.CommandLineArgs;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Debian's <c>redis-server</c> as an executable resource: Aspire's own Redis resource is a container, and no container
/// engine runs here. Persistence is off, so a restart comes back empty — the case the job engine must survive. It asks
/// for a password even on loopback (<c>requirepass</c>, from a 0600 config file rather than the visible command line).
/// </summary>
public sealed class RedisServerResource(string name, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, "redis-server", workingDirectory), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    public ParameterResource Password { get; } = password;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)},password={Password}");
}

public static class RedisServerBuilderExtensions
{
    /// <summary>
    /// The Redis named <paramref name="name"/>: the server in <c>ConnectionStrings__{name}</c> when one is configured
    /// (managed Redis; nothing is started), otherwise a <c>redis-server</c> with its files under <paramref name="dataDirectory"/>.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddRedisServer(
        this IDistributedApplicationBuilder builder, string name, string dataDirectory)
    {
        if (builder.Configuration.GetConnectionString(name) is { Length: > 0 })
        {
            return builder.AddConnectionString(name);
        }

        var directory = Path.Combine(dataDirectory, name);
        Directory.CreateDirectory(directory);
        var password = builder.AddServerPassword(name, dataDirectory);
        var redis = new RedisServerResource(name, directory, password.Resource);
        var config = Path.Combine(directory, "redis.conf");
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(redis, async (_, ct) =>
            ServerPassword.WritePrivateFile(config, $"requirepass {await password.Resource.GetValueAsync(ct)}\n"));

        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(redis, async (_, ct) =>
            connectionString = await redis.ConnectionStringExpression.GetValueAsync(ct));
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(
            _ => connectionString ?? throw new InvalidOperationException($"{name}: the connection string is not known yet"),
            name: healthCheck);

        return builder.AddResource(redis)
            .WithEndpoint(name: RedisServerResource.PrimaryEndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                AddArgs(context, config);
                AddArgs(context, "--port");
                AddArgs(context, redis.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                // "-::1": IPv6 loopback when the machine has it, without failing when it does not.
                AddArgs(context,["--bind", "127.0.0.1", "-::1", "--daemonize", "no", "--save", "", "--appendonly", "no", "--dir", directory]);
            })
            .WithIconName("Memory")
            .WithHealthCheck(healthCheck);
    }
}

internal static class CommandLineArgs
{
    public static void AddArgs(CommandLineArgsCallbackContext context, params IEnumerable<object> args)
    {
        foreach (var arg in args)
        {
            context.Args.Add(arg);
        }
    }
}
