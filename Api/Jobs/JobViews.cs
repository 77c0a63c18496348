using System.Text.Json;

namespace Platform.Api.Jobs;

/// <summary>
/// The job snapshot on the wire (GET /api/jobs/{id}); <see cref="Seq"/> is the last event it reflects. A queued job has a
/// <see cref="QueuePosition"/> (1 = next of the user's jobs to start) and <see cref="Waiting"/>: what it waits for.
/// </summary>
public sealed record JobView(
    Guid Id,
    JobState State,
    JobSourceView Source,
    IReadOnlyList<string> Formats,
    IReadOnlyList<TaskView> Tasks,
    int? QueuePosition,
    long Seq,
    int Attempt,
    int MaxAttempts,
    JsonElement Options,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error,
    JobWaitView? Waiting = null);

/// <summary>Why a queued job has not started: <c>user-limit</c>, <c>host</c> (with the host's name: "waiting for host x"),
/// <c>scraper</c> (no browser page free), <c>coordination</c> (Redis unreachable) or <c>ready</c>.</summary>
public sealed record JobWaitView(string Reason, string? Host);

/// <param name="Text">The first <see cref="JobQueries.TextPreviewChars"/> characters of pasted text.</param>
public sealed record JobSourceView(string? Url, string? Text, int? TextLength);

/// <param name="Progress">0..1</param>
/// <param name="Result">Set once the task completed: where to download its artifact.</param>
public sealed record TaskView(
    string Format,
    TaskState State,
    double Progress,
    int Attempts,
    string? Error,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    ResultView? Result);

public sealed record ResultView(string ContentType, long Size, string Sha256, string Url);

public sealed record JobEventView(Guid JobId, long Seq, string Type, DateTimeOffset At, JsonElement Data);

/// <summary>GET /api/jobs/{id}/events: the events after the asked seq, and the job's last seq (more exist when it is larger).</summary>
public sealed record JobEventsPage(IReadOnlyList<JobEventView> Events, long LastSeq);

public sealed record JobPage(IReadOnlyList<JobView> Items, int Page, int PageSize, int Total);

/// <summary>GET /api/me/usage.</summary>
public sealed record UsageView(int Running, int RunningLimit, int Queued, int QueuedLimit);
