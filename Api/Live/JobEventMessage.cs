using System.Text.Json;
using Platform.Api.Jobs;

namespace Platform.Api.Live;

/// <summary>The wire shape of a job event: <c>{ jobId, seq, type, at, data }</c> (DESIGN "Events"), plus the owner for routing.</summary>
public sealed record JobEventMessage(Guid JobId, string OwnerId, long Seq, string Type, DateTimeOffset At, JsonElement Data)
{
    /// <summary>Progress is the only kind the publisher may coalesce.</summary>
    public bool IsCoalescible => Type == JobEventTypes.TaskProgress;
}

/// <summary>Event type names on the wire, and the shape of each one's data (the OpenAPI document's JobEventView union).</summary>
public static class JobEventTypes
{
    /// <summary>Job state changed: <see cref="JobStateEventData"/>.</summary>
    public const string JobState = "job.state";

    /// <summary>A task changed state: <see cref="TaskStateEventData"/>.</summary>
    public const string TaskState = "task.state";

    /// <summary>Throttled task progress: <see cref="TaskProgressEventData"/>.</summary>
    public const string TaskProgress = "task.progress";

    /// <summary>Streamed partial output, appended in order: <see cref="TaskOutputEventData"/>.</summary>
    public const string TaskOutput = "task.output";

    /// <summary>A task's artifact is stored: <see cref="TaskResultEventData"/>.</summary>
    public const string TaskResult = "task.result";

    /// <summary>Each type's data, in the order the document lists them.</summary>
    public static readonly IReadOnlyList<(string Type, Type Data)> DataTypes =
    [
        (JobState, typeof(JobStateEventData)),
        (TaskState, typeof(TaskStateEventData)),
        (TaskProgress, typeof(TaskProgressEventData)),
        (TaskOutput, typeof(TaskOutputEventData)),
        (TaskResult, typeof(TaskResultEventData)),
    ];
}

/// <param name="Attempt">Absent when the attempt did not change (a cancel asked).</param>
/// <param name="Instance">The replica that claimed the job (running).</param>
/// <param name="Reason">Why the job went back to the queue (a rescue, a hand-back, a retry).</param>
public sealed record JobStateEventData(JobState State, int? Attempt = null, string? Error = null, string? Instance = null, string? Reason = null);

/// <param name="Attempts">The task's tries so far; sent when a try starts.</param>
public sealed record TaskStateEventData(string Format, TaskState State, int? Attempts = null, string? Error = null);

/// <param name="Progress">0..1</param>
public sealed record TaskProgressEventData(string Format, double Progress, string? Message = null);

public sealed record TaskOutputEventData(string Format, string Text);

public sealed record TaskResultEventData(string Format, string ContentType, long Size, string Sha256);
