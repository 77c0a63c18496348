using System.Net.Sockets;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Platform.Gateway.Proxy;

/// <summary>
/// Problem details (RFC 9457) for what the gateway answers itself on /api and /hubs instead of the Api: 413 for a body
/// over <see cref="GatewayOptions.MaxRequestBodyBytes"/> (checked before forwarding, so the Api never stops reading a
/// body half-way), 503 + Retry-After while no Api replica can be reached (start-up, restarts), and YARP's other
/// failures (502, 504) as problem details rather than empty bodies.
/// </summary>
internal static class ProxyProblems
{
    public static IApplicationBuilder UseProxyProblems(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!IsProxied(context.Request.Path))
        {
            await next(context);
            return;
        }
        var options = context.RequestServices.GetRequiredService<IOptionsMonitor<GatewayOptions>>().CurrentValue;
        if (context.Request.ContentLength > options.MaxRequestBodyBytes)
        {
            await WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "The request body is too large.",
                $"Send at most {options.MaxRequestBodyBytes} bytes (got {context.Request.ContentLength}).");
            return;
        }
        // A chunked body has no length up front: Kestrel stops it at the limit while YARP forwards it.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxRequestBodyBytes;
        }

        await next(context);

        if (context.Features.Get<IForwarderErrorFeature>() is not { } failure || context.Response.HasStarted)
        {
            return;
        }
        if (Find<BadHttpRequestException>(failure.Exception) is { StatusCode: StatusCodes.Status413PayloadTooLarge })
        {
            await WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "The request body is too large.",
                $"Send at most {options.MaxRequestBodyBytes} bytes.");
        }
        else if (failure.Error is ForwarderError.RequestBodyClient or ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled)
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, "The request could not be read.",
                "The client's request body ended or failed before it was forwarded.");
        }
        else if (failure.Error == ForwarderError.NoAvailableDestinations || IsConnectionRefused(failure.Exception))
        {
            await WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The service is not ready.",
                "No Api replica can take the request yet (starting or restarting). Try again shortly.", options.UnavailableRetryAfter);
        }
        else
        {
            var status = context.Response.StatusCode >= 400 ? context.Response.StatusCode : StatusCodes.Status502BadGateway;
            await WriteAsync(context, status, "The Api did not answer.", $"The gateway could not forward the request ({failure.Error}).");
        }
    });

    private static bool IsProxied(PathString path) =>
        path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase);

    private static bool IsConnectionRefused(Exception? exception) =>
        Find<SocketException>(exception) is { SocketErrorCode: SocketError.ConnectionRefused };

    private static T? Find<T>(Exception? exception) where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }
        return null;
    }

    private static async Task WriteAsync(HttpContext context, int status, string title, string detail, TimeSpan? retryAfter = null)
    {
        context.Response.Clear(); // drops YARP's partial headers, so Retry-After is set after it
        context.Response.StatusCode = status;
        if (retryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
