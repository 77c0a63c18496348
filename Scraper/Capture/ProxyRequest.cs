using System.Text;

namespace Platform.Scraper.Capture;

/// <summary>
/// One request Chromium sent the <see cref="EgressProxy"/>: a <c>CONNECT host:port</c> tunnel (HTTPS, WebSockets over TLS)
/// or an absolute-form plain <c>http://</c> request, with the head lines it came with.
/// </summary>
public sealed record ProxyRequest(string Method, string Target, string Version, string Host, int Port, IReadOnlyList<string> HeaderLines)
{
    public bool IsConnect => Method == "CONNECT";

    /// <summary>Parses a request head (without its final blank line); <paramref name="refusal"/> is what a 400 says, if anything.</summary>
    public static bool TryParse(string head, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ProxyRequest? request, out string? refusal)
    {
        request = null;
        refusal = null;
        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3)
        {
            return false;
        }
        var (method, target, version) = (requestLine[0], requestLine[1], requestLine[2]);
        string host;
        int port;
        if (method == "CONNECT")
        {
            var colon = target.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(target[(colon + 1)..], out port))
            {
                return false;
            }
            host = target[..colon].Trim('[', ']');
        }
        else if (Uri.TryCreate(target, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp)
        {
            host = uri.IdnHost;
            port = uri.Port;
        }
        else
        {
            refusal = "Only CONNECT and absolute http:// requests are proxied.";
            return false;
        }
        request = new ProxyRequest(method, target, version, host, port, lines[1..]);
        return true;
    }

    /// <summary>
    /// The head to send upstream for a plain request: origin-form request line, one request per connection — the upstream
    /// closes after its response, so a kept-alive client connection can never carry a second request to a host we did not
    /// check.
    /// </summary>
    public byte[] OriginFormHead()
    {
        var forwarded = new StringBuilder($"{Method} {new Uri(Target).PathAndQuery} {Version}\r\n");
        foreach (var line in HeaderLines)
        {
            if (line.Length == 0 || line.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase)
                || line.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase) || line.StartsWith("Keep-Alive:", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            forwarded.Append(line).Append("\r\n");
        }
        forwarded.Append("Connection: close\r\n\r\n");
        return Encoding.Latin1.GetBytes(forwarded.ToString());
    }
}
