using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Api.Admission;
using Platform.Api.Jobs;
using Platform.Api.Jobs.Submission;
using Platform.Api.Storage;
using Platform.Api.Security;

namespace Platform.Api.Apis;

/// <summary>The services the job endpoints share, injected with [AsParameters].</summary>
public sealed record JobServices(
    JobRequestValidator Validator,
    JobSubmitter Submitter,
    JobQueries Queries,
    JobCommands Commands,
    IOptionsMonitor<JobLimitsOptions> LimitsMonitor)
{
    public JobLimitsOptions Limits => LimitsMonitor.CurrentValue;
}

public static class JobsApi
{
    public const string IdempotencyKeyHeader = JobRequestValidator.IdempotencyKeyHeader;

    public sealed record BatchItemResult(int Index, string? Url, int Status, JobView? Job, ProblemDetails? Problem);

    public sealed record BatchResult(IReadOnlyList<BatchItemResult> Items);

    public static RouteGroupBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/jobs").WithTags("Jobs");

        api.MapPost("/", SubmitAsync).WithName("SubmitJob").RefusedUnderPressure()
            .WithSummary("Submit a job: one source (url or text) and the formats to produce")
            .RequireUserLimit(AbuseLimit.SubmissionsPerUser);
        api.MapPost("/batch", SubmitBatchAsync).WithName("SubmitBatch").RefusedUnderPressure()
            .WithSummary("Submit one job per URL with shared formats and options; answers per item")
            .RequireUserLimit(AbuseLimit.SubmissionsPerUser);
        api.MapGet("/", ListAsync).WithName("ListJobs")
            .WithSummary("The user's jobs, newest first, optionally filtered by state and by a search in the source");
        api.MapGet("/{id:guid}", GetAsync).WithName("GetJob")
            .WithSummary("A job snapshot: state, tasks, queue position and the event seq it reflects");
        api.MapGet("/{id:guid}/events", EventsAsync).WithName("GetJobEvents")
            .WithSummary("The job's events after a seq, in order");
        api.MapPost("/{id:guid}/cancel", CancelAsync).WithName("CancelJob")
            .WithSummary("Cancel a queued (at once) or running (within a second) job");
        api.MapPost("/{id:guid}/retry", RetryAsync).WithName("RetryJob").RefusedUnderPressure()
            .WithSummary("Start a new attempt of a finished job")
            .RequireUserLimit(AbuseLimit.SubmissionsPerUser);
        api.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteJob")
            .WithSummary("Delete a finished job and its results");
        api.MapGet("/{id:guid}/tasks/{format}/result", ResultAsync).WithName("GetTaskResult")
            .WithSummary("A task's result with its content type (?download=true: always as an attachment)");
        return api;
    }

    public static async Task<Results<Accepted<JobView>, ValidationProblem, ProblemHttpResult>> SubmitAsync(
        SubmitJobRequest request, [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        ClaimsPrincipal user, HttpContext http, [AsParameters] JobServices services, CancellationToken ct)
    {
        if (services.Validator.ValidateIdempotencyKey(idempotencyKey, batch: false) is { } keyErrors)
        {
            return TypedResults.ValidationProblem(keyErrors);
        }
        var (job, errors) = await services.Validator.ValidateAsync(request, ct);
        if (job is null)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var outcome = await services.Submitter.SubmitAsync(user.UserId(), job, idempotencyKey, ct);
        return outcome switch
        {
            SubmitOutcome.Accepted accepted => TypedResults.Accepted($"/api/jobs/{accepted.JobId}",
                (await services.Queries.GetAsync(user.UserId(), accepted.JobId, ct))!),
            SubmitOutcome.Refused refused => OverLimit(http, refused.Usage, services.Limits),
            SubmitOutcome.KeyReused reused => KeyReused(reused.JobId),
            SubmitOutcome.OverQuota quota => TypedResults.Problem(OverQuotaProblem(quota)),
            _ => throw new InvalidOperationException($"Unexpected outcome {outcome}"),
        };
    }

    public static async Task<Results<Ok<BatchResult>, ValidationProblem>> SubmitBatchAsync(
        BatchSubmitRequest request, [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        ClaimsPrincipal user, HttpContext http, [AsParameters] JobServices services, CancellationToken ct)
    {
        if (services.Validator.ValidateIdempotencyKey(idempotencyKey, batch: true) is { } keyErrors)
        {
            return TypedResults.ValidationProblem(keyErrors);
        }
        var (formats, options, errors) = services.Validator.ValidateBatch(request);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var items = new List<BatchItemResult>();
        for (var i = 0; i < request.Urls!.Length; i++)
        {
            var url = request.Urls[i];
            var (validated, urlErrors) = await services.Validator.ValidateBatchUrlAsync(url, i, ct);
            if (validated is null)
            {
                items.Add(new BatchItemResult(i, url, StatusCodes.Status400BadRequest, null,
                    new HttpValidationProblemDetails(urlErrors) { Status = StatusCodes.Status400BadRequest, Title = "Invalid URL" }));
                continue;
            }
            // Each item is its own submission: admission may accept the first ones and refuse the rest.
            var itemKey = idempotencyKey is null ? null : JobRequestValidator.BatchItemKey(idempotencyKey, i);
            var outcome = await services.Submitter.SubmitAsync(user.UserId(), new ValidatedJob(validated.Url, null, formats, options, validated.Server), itemKey, ct);
            items.Add(outcome switch
            {
                SubmitOutcome.Accepted a => new BatchItemResult(i, url, StatusCodes.Status202Accepted, await services.Queries.GetAsync(user.UserId(), a.JobId, ct), null),
                SubmitOutcome.Refused r => new BatchItemResult(i, url, StatusCodes.Status429TooManyRequests, null, OverLimitProblem(r.Usage, services.Limits)),
                SubmitOutcome.KeyReused k => new BatchItemResult(i, url, StatusCodes.Status422UnprocessableEntity, null, KeyReusedProblem(k.JobId)),
                SubmitOutcome.OverQuota q => new BatchItemResult(i, url, StatusCodes.Status403Forbidden, null, OverQuotaProblem(q)),
                _ => throw new InvalidOperationException($"Unexpected outcome {outcome}"),
            });
        }
        if (items.Any(i => i.Status == StatusCodes.Status429TooManyRequests))
        {
            http.Response.Headers.RetryAfter = ((int)services.Limits.AdmissionRetryAfter.TotalSeconds).ToString();
        }
        return TypedResults.Ok(new BatchResult(items));
    }

    public static async Task<Results<Ok<JobPage>, ValidationProblem>> ListAsync(
        ClaimsPrincipal user, [AsParameters] JobServices services, CancellationToken ct,
        string? state = null, string? search = null, int page = 1, int pageSize = 20)
    {
        var errors = new Dictionary<string, string[]>();
        JobState? filter = null;
        if (state is not null)
        {
            filter = Enum.GetValues<JobState>().Where(s => s.ToWire() == state).Cast<JobState?>().FirstOrDefault();
            if (filter is null)
            {
                errors["state"] = [$"Unknown state '{state}'. Known: {string.Join(", ", Enum.GetValues<JobState>().Select(s => s.ToWire()))}."];
            }
        }
        if (page < 1)
        {
            errors["page"] = ["Pages start at 1."];
        }
        if (pageSize is < 1 or > 100)
        {
            errors["pageSize"] = ["pageSize must be between 1 and 100."];
        }
        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors)
            : TypedResults.Ok(await services.Queries.ListAsync(user.UserId(), filter, search, page, pageSize, ct));
    }

    public static async Task<Results<Ok<JobView>, NotFound>> GetAsync(Guid id, ClaimsPrincipal user, [AsParameters] JobServices services, CancellationToken ct) =>
        await services.Queries.GetAsync(user.UserId(), id, ct) is { } job ? TypedResults.Ok(job) : TypedResults.NotFound();

    public static async Task<Results<Ok<JobEventsPage>, NotFound, ValidationProblem>> EventsAsync(
        Guid id, ClaimsPrincipal user, [AsParameters] JobServices services, CancellationToken ct, long after = 0, int limit = JobQueries.MaxEventsPerPage)
    {
        if (after < 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["after"] = ["after must be 0 or more."] });
        }
        return await services.Queries.EventsAsync(user.UserId(), id, after, limit, ct) is { } page ? TypedResults.Ok(page) : TypedResults.NotFound();
    }

    public static async Task<Results<Ok<JobView>, Accepted<JobView>, NotFound, ProblemHttpResult>> CancelAsync(
        Guid id, ClaimsPrincipal user, [AsParameters] JobServices services, CancellationToken ct)
    {
        var result = await services.Commands.CancelAsync(user.UserId(), id, ct);
        return result.Outcome switch
        {
            CommandOutcome.NotFound => TypedResults.NotFound(),
            CommandOutcome.Conflict => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Job already finished",
                detail: $"The job is {result.State?.ToWire()}; only queued or running jobs can be cancelled."),
            CommandOutcome.Accepted => TypedResults.Accepted($"/api/jobs/{id}", (await services.Queries.GetAsync(user.UserId(), id, ct))!),
            _ => TypedResults.Ok((await services.Queries.GetAsync(user.UserId(), id, ct))!),
        };
    }

    public static async Task<Results<Accepted<JobView>, NotFound, ProblemHttpResult>> RetryAsync(
        Guid id, ClaimsPrincipal user, HttpContext http, [AsParameters] JobServices services, CancellationToken ct)
    {
        var result = await services.Commands.RetryAsync(user.UserId(), id, ct);
        return result.Outcome switch
        {
            CommandOutcome.NotFound => TypedResults.NotFound(),
            CommandOutcome.Conflict => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Job not finished",
                detail: $"The job is {result.State?.ToWire()}; only finished jobs can be retried."),
            CommandOutcome.OverLimit => OverLimit(http, result.Usage!.Value, services.Limits),
            _ => TypedResults.Accepted($"/api/jobs/{id}", (await services.Queries.GetAsync(user.UserId(), id, ct))!),
        };
    }

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteAsync(
        Guid id, ClaimsPrincipal user, [AsParameters] JobServices services, CancellationToken ct)
    {
        var result = await services.Commands.DeleteAsync(user.UserId(), id, ct);
        return result.Outcome switch
        {
            CommandOutcome.NotFound => TypedResults.NotFound(),
            CommandOutcome.Conflict => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Job not finished",
                detail: $"The job is {result.State?.ToWire()}; cancel it first."),
            _ => TypedResults.NoContent(),
        };
    }

    public static async Task<Results<PushStreamHttpResult, NotFound>> ResultAsync(
        Guid id, string format, ClaimsPrincipal user, HttpContext http, NpgsqlDataSource database, [AsParameters] JobServices services,
        CancellationToken ct, bool download = false)
    {
        // One query: the row's description sets the headers, its bytes follow into the body (the response disposes it).
        if (await ArtifactDownload.OpenAsync(database, user.UserId(), id, format, ct) is not { } stored)
        {
            return TypedResults.NotFound();
        }
        http.Response.RegisterForDisposeAsync(stored);
        var artifact = stored.Info;
        // Captured pages are someone else's content: never let them run as our origin.
        http.Response.Headers.ContentSecurityPolicy = "sandbox";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.ETag = $"\"{artifact.Sha256}\"";
        http.Response.ContentLength = artifact.Size;
        var inline = !download && ResultFiles.IsSafeInline(artifact.ContentType);
        return TypedResults.Stream(body => stored.CopyToAsync(body, http.RequestAborted),
            artifact.ContentType, inline ? null : ResultFiles.FileName(id, format, artifact.ContentType));
    }

    private static ProblemHttpResult OverLimit(HttpContext http, UsageCounts usage, JobLimitsOptions limits)
    {
        http.Response.Headers.RetryAfter = ((int)limits.AdmissionRetryAfter.TotalSeconds).ToString();
        return TypedResults.Problem(OverLimitProblem(usage, limits));
    }

    private static ProblemDetails OverLimitProblem(UsageCounts usage, JobLimitsOptions limits) => new()
    {
        Status = StatusCodes.Status429TooManyRequests,
        Title = "Too many jobs",
        Detail = $"You have {usage.Running} of {limits.RunningPerUser} jobs running and {usage.Queued} of {limits.QueuedPerUser} queued. Try again when one finishes.",
        Extensions =
        {
            ["running"] = usage.Running,
            ["runningLimit"] = limits.RunningPerUser,
            ["queued"] = usage.Queued,
            ["queuedLimit"] = limits.QueuedPerUser,
        },
    };

    private static ProblemDetails OverQuotaProblem(SubmitOutcome.OverQuota quota) => new()
    {
        Status = StatusCodes.Status403Forbidden,
        Title = "Storage quota exceeded",
        Detail = $"Your jobs' outputs take {quota.UsedBytes} of your {quota.QuotaBytes} bytes. Delete finished jobs to submit new ones.",
        Extensions = { ["usedBytes"] = quota.UsedBytes, ["quotaBytes"] = quota.QuotaBytes },
    };

    private static ProblemHttpResult KeyReused(Guid jobId) => TypedResults.Problem(KeyReusedProblem(jobId));

    private static ProblemDetails KeyReusedProblem(Guid jobId) => new()
    {
        Status = StatusCodes.Status422UnprocessableEntity,
        Title = "Idempotency-Key reused",
        Detail = "This Idempotency-Key was already used with a different request.",
        Extensions = { ["jobId"] = jobId },
    };
}

internal static class ResultFiles
{
    public static bool IsSafeInline(string contentType) =>
        contentType.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase)
        || contentType.StartsWith("text/markdown", StringComparison.OrdinalIgnoreCase)
        || contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase);

    public static string FileName(Guid jobId, string format, string contentType) =>
        $"{jobId}-{format}.{contentType.Split(';')[0].Trim().ToLowerInvariant() switch
        {
            "image/png" => "png",
            "image/jpeg" => "jpg",
            "application/pdf" => "pdf",
            "text/html" => "html",
            "text/csv" => "csv",
            _ => "bin",
        }}";
}

internal static class ClaimsPrincipalExtensions
{
    /// <summary>Every job endpoint requires a signed-in user, so the id is always there.</summary>
    public static string UserId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Endpoint reached without a signed-in user.");
}
