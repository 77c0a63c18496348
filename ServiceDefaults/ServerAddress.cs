using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

namespace Microsoft.Extensions.Hosting;

/// <summary>Where this replica itself listens, for registries that route to each replica directly (not through DCP's proxy).</summary>
public static class ServerAddress
{
    /// <summary>This replica's own base URL (http preferred), or null when the server has none (in-memory test server).</summary>
    public static string? DirectUrl(IServer server)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        var address = addresses?.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses?.FirstOrDefault();
        if (address is null)
        {
            return null;
        }
        var binding = BindingAddress.Parse(address);
        // A wildcard binding (http://+:8080, http://[::]:8080) is reachable from elsewhere by this machine's name.
        var host = binding.Host is "+" or "*" or "0.0.0.0" or "[::]" ? Dns.GetHostName() : binding.Host;
        return $"{binding.Scheme}://{host}:{binding.Port}";
    }
}
