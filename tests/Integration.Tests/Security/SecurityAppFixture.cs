using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Platform.Testing;

namespace Platform.Integration.Tests.Security;

/// <summary>
/// The app the account-security tests share: 2 Api replicas behind the gateway (so a limit that held only per replica
/// would show), no scrapers, small abuse limits. The gateway listens on its own port without DCP's proxy in front, so it
/// sees each client's real address: every test speaks from its own loopback address (127.1.x.y), as separate visitors do.
/// </summary>
public sealed class SecurityAppFixture : IAsyncLifetime
{
    /// <summary>Configured the old way (Accounts:AdminEmails): registering it must not make an admin.</summary>
    public const string LegacyAdminEmail = "ops@security.test";

    /// <summary>The operator's admin, made out of band by the migration step from a secret.</summary>
    public const string AdminEmail = "admin@security.test";
    public const string AdminPassword = "Operator-Secret-7431!";

    public const string Password = "Passw0rd!-user";

    public const int RegisterPerIp = 3;
    public const int LoginPerIp = 8;
    public const int LoginPerAccountPerIp = 4;
    public const int LoginPerAccount = 6;
    public const int SubmissionsPerUser = 5;

    private static int _nextAddress;

    public PlatformApp App { get; private set; } = null!;

    /// <summary>The gateway as a browser on this machine names it (the origin the SPA is served from).</summary>
    public Uri GatewayUrl => App.GatewayUrl;

    public string Origin => GatewayUrl.GetLeftPart(UriPartial.Authority);

    public async ValueTask InitializeAsync()
    {
        var options = new PlatformAppOptions { ApiReplicas = 2, ScraperReplicas = 0 };
        options.AppHostSettings["PLATFORM_PORT"] = FreePort().ToString();
        options.WithAdmin(AdminEmail, AdminPassword);
        var api = options.ApiEnvironment;
        api["Accounts__AdminEmails__0"] = LegacyAdminEmail;
        api["AbuseLimits__RegisterPerIp__PermitLimit"] = RegisterPerIp.ToString();
        api["AbuseLimits__RegisterPerIp__Window"] = "00:10:00";
        api["AbuseLimits__LoginPerIp__PermitLimit"] = LoginPerIp.ToString();
        api["AbuseLimits__LoginPerIp__Window"] = "00:10:00";
        api["AbuseLimits__LoginPerAccountPerIp__PermitLimit"] = LoginPerAccountPerIp.ToString();
        api["AbuseLimits__LoginPerAccountPerIp__Window"] = "00:10:00";
        api["AbuseLimits__LoginPerAccount__PermitLimit"] = LoginPerAccount.ToString();
        api["AbuseLimits__LoginPerAccount__Window"] = "00:10:00";
        api["AbuseLimits__SubmissionsPerUser__PermitLimit"] = SubmissionsPerUser.ToString();
        api["AbuseLimits__SubmissionsPerUser__Window"] = "00:10:00";
        App = await PlatformApp.StartAsync(options, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }

    /// <summary>A loopback address no other test of this app has used: a visitor of its own.</summary>
    public static IPAddress NewClientAddress()
    {
        var n = Interlocked.Increment(ref _nextAddress);
        return new IPAddress([127, 1, (byte)(n / 250), (byte)(n % 250 + 1)]);
    }

    /// <summary>An HTTP client (with its own cookie jar) whose connections come from <paramref name="from"/>.</summary>
    public Visitor NewVisitor(IPAddress? from = null) => new(this, from ?? NewClientAddress());

    public static string NewEmail(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}@security.test";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One visitor: a source address, a cookie jar, and helpers for the account calls.</summary>
public sealed class Visitor : IDisposable
{
    private readonly SecurityAppFixture _fixture;

    public Visitor(SecurityAppFixture fixture, IPAddress address)
    {
        _fixture = fixture;
        Address = address;
        var handler = new SocketsHttpHandler
        {
            CookieContainer = Cookies,
            UseCookies = true,
            ConnectCallback = (context, ct) => ConnectFromAsync(address, context.DnsEndPoint.Port, ct),
        };
        Http = new HttpClient(handler) { BaseAddress = fixture.GatewayUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public IPAddress Address { get; }

    public CookieContainer Cookies { get; } = new();

    public HttpClient Http { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public Task<HttpResponseMessage> RegisterAsync(string email, string password = SecurityAppFixture.Password) =>
        Http.PostAsJsonAsync("/api/account/register", new { email, password }, Ct);

    public Task<HttpResponseMessage> LoginAsync(string email, string password = SecurityAppFixture.Password) =>
        Http.PostAsJsonAsync("/api/account/login", new { email, password }, Ct);

    /// <summary>Registers (any 2xx) and signs in (200): the cookie is in this visitor's jar.</summary>
    public async Task SignUpAsync(string email, string password = SecurityAppFixture.Password)
    {
        var registered = await RegisterAsync(email, password);
        Assert.True(registered.IsSuccessStatusCode, $"register answered {(int)registered.StatusCode}: {await registered.Content.ReadAsStringAsync(Ct)}");
        await SignInAsync(email, password);
    }

    public async Task SignInAsync(string email, string password)
    {
        var login = await LoginAsync(email, password);
        Assert.True(login.StatusCode == HttpStatusCode.OK, $"login answered {(int)login.StatusCode}: {await login.Content.ReadAsStringAsync(Ct)}");
    }

    public Task<HttpResponseMessage> SubmitTextJobAsync(string? origin = null) =>
        SendAsync(HttpMethod.Post, "/api/jobs", new { source = new { text = "Security tests submit plain text." }, formats = new[] { "text-stats" } }, origin);

    public async Task<Guid> SubmitAcceptedAsync()
    {
        var response = await SubmitTextJobAsync();
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    /// <summary>A request as a page at <paramref name="origin"/> would send it with this visitor's cookie.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? origin = null, string? fetchSite = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (origin is not null)
        {
            request.Headers.TryAddWithoutValidation("Origin", origin);
        }
        if (fetchSite is not null)
        {
            request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", fetchSite);
        }
        return Http.SendAsync(request, Ct);
    }

    /// <summary>A hub connection with this visitor's cookie, as a page at <paramref name="origin"/> opens it.</summary>
    public HubConnection Hub(string? origin, bool webSocketOnly) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(_fixture.GatewayUrl, "/hubs/jobs"), options =>
            {
                options.Cookies = Cookies;
                if (origin is not null)
                {
                    options.Headers["Origin"] = origin;
                }
                if (webSocketOnly)
                {
                    options.SkipNegotiation = true;
                    options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
                }
                // The hub client connects with its own sockets: from this visitor's address too.
                options.HttpMessageHandlerFactory = _ => new SocketsHttpHandler
                {
                    CookieContainer = Cookies,
                    UseCookies = true,
                    ConnectCallback = (context, ct) => ConnectFromAsync(Address, context.DnsEndPoint.Port, ct),
                };
            })
            .Build();

    private static async ValueTask<Stream> ConnectFromAsync(IPAddress address, int port, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(address, 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => Http.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SecurityCollection : ICollectionFixture<SecurityAppFixture>
{
    public const string Name = "Account security (2 Api replicas, small abuse limits)";
}
