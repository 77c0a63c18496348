using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Platform.Api.Security;

/// <summary>Section "TrustedProxies": who may tell the Api the client's address.</summary>
public sealed class TrustedProxyOptions
{
    public const string Section = "TrustedProxies";

    /// <summary>
    /// Networks (CIDR) of the gateways in front of the Api. Only a connection from one of them may set the client's
    /// address (X-Forwarded-For), scheme and host; anyone else's headers are ignored. Default: loopback, where the
    /// AppHost runs the gateway.
    /// </summary>
    public string[] Networks { get; set; } = ["127.0.0.0/8", "::1/128"];
}

/// <summary>
/// The client's address behind the gateway. The gateway (YARP) <em>replaces</em> any X-Forwarded-For a client sent with
/// the address it saw, and the Api takes exactly one hop (the gateway's) from a trusted proxy, so a client cannot choose
/// the address its limits are counted under.
/// </summary>
public static class ClientAddressExtensions
{
    public static IHostApplicationBuilder AddClientAddress(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<TrustedProxyOptions>(TrustedProxyOptions.Section)
            .Validate(o => o.Networks.All(n => System.Net.IPNetwork.TryParse(n, out _)), $"{TrustedProxyOptions.Section}:Networks must be CIDR networks, e.g. 10.0.0.0/8.");
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxyOptions>>((forwarded, trusted) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            forwarded.ForwardLimit = 1;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var network in trusted.Value.Networks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return builder;
    }
}
