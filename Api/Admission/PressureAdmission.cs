using Microsoft.Extensions.Options;

namespace Platform.Api.Admission;

/// <summary>
/// Endpoints that start new work (submit, batch, retry) answer 503 + Retry-After problem details while the replica is
/// under pressure, before they touch the database; reads, cancels and deletes go on. The gateway's round robin sends
/// the client's retry to another replica.
/// </summary>
public static class PressureAdmission
{
    public static TBuilder RefusedUnderPressure<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var services = context.HttpContext.RequestServices;
            if (services.GetRequiredService<ReplicaPressure>().Refusal() is not { } reason)
            {
                return await next(context);
            }
            var retryAfter = services.GetRequiredService<IOptionsMonitor<AdmissionOptions>>().CurrentValue.RetryAfter;
            context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Too busy to take new work",
                detail: $"{reason} Try again in {retryAfter.TotalSeconds:0} s.");
        });
}
