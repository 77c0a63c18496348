using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
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

    /// <summary>
    /// <c>POST /ops/drain</c> on a replica's own address (outside /api: the gateway never routes it), with the token the
    /// AppHost gave the replica in <c>X-Drain-Token</c>; how the AppHost's "Drain" resource command reaches one replica.
    /// </summary>
    public static IEndpointConventionBuilder MapDrainEndpoint(this IEndpointRouteBuilder app) =>
        app.MapPost("/ops/drain", Drain).WithName("DrainReplica").WithTags("Operations").ExcludeFromDescription();

    public static Results<Accepted, NotFound, UnauthorizedHttpResult> Drain(
        [FromHeader(Name = "X-Drain-Token")] string? token, ReplicaDrain drain, IOptions<DrainOptions> options)
    {
        if (options.Value.Token is not { Length: > 0 } expected)
        {
            return TypedResults.NotFound();
        }
        if (token is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(expected)))
        {
            return TypedResults.Unauthorized();
        }
        drain.Begin();
        return TypedResults.Accepted((string?)null);
    }

    public static async Task<Ok<IReadOnlyList<InstanceHeartbeatView>>> InstancesAsync(IConnectionMultiplexer redis) =>
        TypedResults.Ok(await InstanceHeartbeat.ReadAllAsync(redis));

    public static async Task<Ok<QueueView>> QueueAsync(OpsQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.QueueAsync(ct));
}
