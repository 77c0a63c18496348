using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Api.Ops;
using StackExchange.Redis;

namespace Platform.Api.Apis;

public static class OpsApi
{
    public static RouteGroupBuilder MapOpsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/ops").WithTags("Operations");
        api.MapGet("/instances", InstancesAsync).WithName("ListInstances")
            .WithSummary("Live Api instances from their heartbeats: executor slots and the jobs they execute");
        api.MapGet("/queue", QueueAsync).WithName("GetQueue")
            .WithSummary("Queued, running and cancelling jobs, overall and for the busiest users");
        return api;
    }

    public static async Task<Ok<IReadOnlyList<InstanceHeartbeatView>>> InstancesAsync(IConnectionMultiplexer redis) =>
        TypedResults.Ok(await InstanceHeartbeat.ReadAllAsync(redis));

    public static async Task<Ok<QueueView>> QueueAsync(OpsQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.QueueAsync(ct));
}
