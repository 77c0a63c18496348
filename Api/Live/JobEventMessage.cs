using System.Text.Json;

namespace Platform.Api.Live;

/// <summary>The wire shape of a job event: <c>{ jobId, seq, type, at, data }</c> (DESIGN "Events"), plus the owner for routing.</summary>
public sealed record JobEventMessage(Guid JobId, string OwnerId, long Seq, string Type, DateTimeOffset At, JsonElement Data)
{
    /// <summary>Progress is the only kind the publisher may coalesce.</summary>
    public bool IsCoalescible => Type == JobEventTypes.TaskProgress;
}

/// <summary>Event type names on the wire.</summary>
public static class JobEventTypes
{
    /// <summary>Job state changed. data: { state, attempt, error?, instance? }</summary>
    public const string JobState = "job.state";

    /// <summary>A task changed state. data: { format, state, attempts, error? }</summary>
    public const string TaskState = "task.state";

    /// <summary>Throttled task progress. data: { format, progress (0..1), message? }</summary>
    public const string TaskProgress = "task.progress";

    /// <summary>Streamed partial output, appended in order. data: { format, text }</summary>
    public const string TaskOutput = "task.output";

    /// <summary>A task's artifact is stored. data: { format, contentType, size, sha256 }</summary>
    public const string TaskResult = "task.result";
}
