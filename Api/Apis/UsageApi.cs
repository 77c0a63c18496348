using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Api.Jobs;

namespace Platform.Api.Apis;

public static class UsageApi
{
    public static RouteGroupBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/me").WithTags("Usage");
        api.MapGet("/usage", GetAsync).WithName("GetUsage").WithSummary("Your running and queued jobs against your limits");
        return api;
    }

    public static async Task<Ok<UsageView>> GetAsync(ClaimsPrincipal user, JobQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.UsageAsync(user.UserId(), ct));
}
