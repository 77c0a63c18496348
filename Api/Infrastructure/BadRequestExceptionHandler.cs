using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Platform.Api.Infrastructure;

/// <summary>
/// Request binding failures (malformed JSON, missing or oversized body, wrong content type) become problem details
/// with the field that failed — rather than an empty 400. Needs RouteHandlerOptions.ThrowOnBadRequest.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }
        var json = bad.InnerException as JsonException;
        var field = json?.Path is { Length: > 0 } path ? path : "body";
        var message = bad.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
            StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json.",
            _ when json is not null => $"Malformed JSON: {json.Message}",
            _ => bad.Message,
        };
        context.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status400BadRequest ? "The request could not be read." : message,
            },
        });
    }
}
