using System.Text.Json.Serialization;
using Platform.Api.Jobs;

namespace Platform.Api.Live;

/// <summary>Wire names of the jobs hub (DESIGN "Events and live progress"); the SPA's live-connection.ts uses the same.</summary>
public static class LiveWire
{
    public const string HubPath = "/hubs/jobs";

    /// <summary>Server → client: one job event <c>{ jobId, seq, type, at, data }</c>.</summary>
    public const string JobEvent = "jobEvent";

    /// <summary>Server → client: one user event <c>{ type, data }</c>.</summary>
    public const string UserEvent = "userEvent";

    public static string JobGroup(Guid jobId) => $"job:{jobId}";

    public static string UserGroup(string userId) => $"user:{userId}";
}

/// <summary>
/// What SubscribeJob returns: <c>{ "events": [...] }</c> (every event after the asked seq, in order) or, when the gap is
/// larger than Live:SnapshotThreshold, <c>{ "snapshot": {...} }</c> (the same object as GET /api/jobs/{id}).
/// </summary>
public sealed record JobSubscription(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<JobEventView>? Events,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JobView? Snapshot)
{
    public static JobSubscription Of(IReadOnlyList<JobEventView> events) => new(events, null);

    public static JobSubscription Of(JobView snapshot) => new(null, snapshot);
}

/// <summary>A user event <c>{ type, data }</c>: see <see cref="UserEventTypes"/>.</summary>
public sealed record UserEvent(string Type, object Data);

public static class UserEventTypes
{
    /// <summary>One of the user's jobs changed state (the job list changed): <see cref="JobChange"/>.</summary>
    public const string JobChanged = "job.changed";

    /// <summary>The user's running and queued jobs against their limits: <see cref="UsageView"/>.</summary>
    public const string Usage = "usage";

    /// <summary>Each type's data (the OpenAPI document's UserEvent union).</summary>
    public static readonly IReadOnlyList<(string Type, Type Data)> DataTypes =
    [
        (JobChanged, typeof(JobChange)),
        (Usage, typeof(UsageView)),
    ];
}

/// <summary>data of a <see cref="UserEventTypes.JobChanged"/> event.</summary>
public sealed record JobChange(Guid Id, string State, long Seq, DateTimeOffset At);
