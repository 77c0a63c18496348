using System.Net.Sockets;
using System.Text;
using Npgsql;
using Platform.Integration.Tests.Orchestration;
using StackExchange.Redis;

namespace Platform.Integration.Tests.Security;

/// <summary>
/// Redis and PostgreSQL listen on loopback, where a compromised Chromium or any local process can reach them: each needs
/// the password the AppHost generated (it is in the connection strings the services get, and nowhere else).
/// </summary>
[Collection(BackingServersCollection.Name)]
public sealed class BackingServerCredentialsTests(BackingServersFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Redis_refuses_a_client_without_the_password_and_serves_one_with_it()
    {
        var connectionString = fixture.App.RedisConnectionString;
        var endpoint = connectionString.Split(',')[0];
        var colon = endpoint.LastIndexOf(':');
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint[..colon].Trim('[', ']'), int.Parse(endpoint[(colon + 1)..]), Ct);
        var stream = tcp.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray(), Ct);
        var buffer = new byte[256];
        var reply = Encoding.ASCII.GetString(buffer, 0, await stream.ReadAsync(buffer, Ct));

        Assert.StartsWith("-NOAUTH", reply);
        Assert.Contains("password=", connectionString, StringComparison.OrdinalIgnoreCase);
        await using var authenticated = await ConnectionMultiplexer.ConnectAsync(connectionString);
        Assert.True((await authenticated.GetDatabase().PingAsync()) >= TimeSpan.Zero);
    }

    [Fact]
    public async Task PostgreSQL_refuses_a_loopback_login_without_the_password_and_accepts_the_generated_one()
    {
        var withPassword = new NpgsqlConnectionStringBuilder(fixture.App.PostgresConnectionString) { Pooling = false };
        var withoutPassword = new NpgsqlConnectionStringBuilder(withPassword.ConnectionString) { Password = null };
        var wrongPassword = new NpgsqlConnectionStringBuilder(withPassword.ConnectionString) { Password = "not-the-password" };

        Assert.False(string.IsNullOrEmpty(withPassword.Password));
        await Assert.ThrowsAnyAsync<NpgsqlException>(async () => { await using var c = new NpgsqlConnection(withoutPassword.ConnectionString); await c.OpenAsync(Ct); });
        var wrong = await Assert.ThrowsAsync<PostgresException>(async () => { await using var c = new NpgsqlConnection(wrongPassword.ConnectionString); await c.OpenAsync(Ct); });
        Assert.Equal(PostgresErrorCodes.InvalidPassword, wrong.SqlState);
        await using var connection = new NpgsqlConnection(withPassword.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var method = new NpgsqlCommand("SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host'", connection);
        await using var reader = await method.ExecuteReaderAsync(Ct);
        var methods = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            methods.Add(reader.GetString(0));
        }
        Assert.NotEmpty(methods);
        Assert.All(methods, m => Assert.Equal("scram-sha-256", m));
    }
}
