using System.Text.Json.Serialization;

namespace Platform.Api.Jobs;

/// <summary>Job states (DESIGN "Jobs"); the wire and database names are the lower-case member names.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobState>))]
public enum JobState
{
    [JsonStringEnumMemberName("queued")] Queued,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("cancelling")] Cancelling,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("partial")] Partial,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
    [JsonStringEnumMemberName("expired")] Expired,
}

/// <summary>Task states (DESIGN "Jobs").</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TaskState>))]
public enum TaskState
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
    [JsonStringEnumMemberName("skipped")] Skipped,
}

public static class StateNames
{
    public static string ToWire(this JobState state) => state.ToString().ToLowerInvariant();
    public static string ToWire(this TaskState state) => state.ToString().ToLowerInvariant();
    public static JobState ParseJobState(string value) => Enum.Parse<JobState>(value, ignoreCase: true);
    public static TaskState ParseTaskState(string value) => Enum.Parse<TaskState>(value, ignoreCase: true);
}
