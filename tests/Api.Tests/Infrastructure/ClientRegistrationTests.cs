using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql.EntityFrameworkCore.PostgreSQL;
using Platform.Api.Extensions;
using Platform.Api.Infrastructure;
using StackExchange.Redis;

namespace Platform.Api.Tests.Infrastructure;

/// <summary>The Api's Redis and PostgreSQL clients as Aspire registers them. Nothing connects: no server is needed.</summary>
public sealed class ClientRegistrationTests : IDisposable
{
    private readonly IHost _host;

    public ClientRegistrationTests()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:platform"] = "Host=127.0.0.1;Port=1;Database=platform;Username=postgres",
            ["ConnectionStrings:redis"] = "127.0.0.1:1",
        });
        builder.AddServiceDefaults();
        builder.AddApplicationServices();
        _host = builder.Build();
    }

    [Fact]
    public void Redis_client_keeps_reconnecting_instead_of_failing_start_up()
    {
        var options = _host.Services.GetRequiredService<IOptions<ConfigurationOptions>>().Value;
        Assert.False(options.AbortOnConnectFail);
        Assert.IsType<ExponentialRetry>(options.ReconnectRetryPolicy);
        Assert.Equal("127.0.0.1:1", Assert.Single(options.EndPoints).ToString());
    }

    [Fact]
    public void Db_context_retries_transient_failures()
    {
        using var scope = _host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        Assert.IsType<NpgsqlRetryingExecutionStrategy>(db.Database.CreateExecutionStrategy());
    }

    [Fact]
    public void Health_has_one_check_per_server_and_alive_has_neither()
    {
        var registrations = _host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;
        var servers = registrations.Where(r => r.Name is "PostgreSql" or "StackExchange.Redis").ToList();
        Assert.Equal(["PostgreSql", "StackExchange.Redis"], servers.Select(r => r.Name).Order());
        Assert.All(servers, r => Assert.DoesNotContain("live", r.Tags));
        Assert.DoesNotContain(registrations, r => r.Name == nameof(PlatformDbContext));
    }

    public void Dispose() => _host.Dispose();
}
