using Platform.Api.Live;

// In the Apis namespace with the other Map…Api extensions, so Program.cs needs only `app.MapJobsHub();`.
namespace Platform.Api.Apis;

public static class LiveEndpoints
{
    /// <summary>/hubs/jobs with stateful reconnect (a short network drop resumes the same connection, buffered messages replayed).</summary>
    public static HubEndpointConventionBuilder MapJobsHub(this IEndpointRouteBuilder app) =>
        app.MapHub<JobsHub>(LiveWire.HubPath, connection =>
        {
            connection.AllowStatefulReconnects = true;
            // A signed-out or expired cookie ends the live stream too, not only the REST calls.
            connection.CloseOnAuthenticationExpiration = true;
        });
}
