using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Platform.Scraper.Admission;
using Platform.Scraper.Browser;
using Platform.Scraper.Capture;
using Platform.Scraper.Contracts;
using Platform.Scraper.Diagnostics;
using Platform.Scraper.Pages;

namespace Platform.Scraper.Apis;

public static class CapturesApi
{
    public static RouteGroupBuilder MapCapturesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/captures").WithTags("Captures");

        group.MapPost("/", CreateCapture)
            .WithName("CreateCapture")
            .WithSummary("Captures a URL in a fresh browser context, streaming progress frames, then each output, then a result or error frame.");

        group.MapGet("/stats", GetStats)
            .WithName("GetCaptureStats")
            .WithSummary("Pool, browser and memory figures plus the recent captures' timelines (since=unix ms filters them).");

        return group;
    }

    public static async Task<Results<CaptureStreamResult, ValidationProblem, ProblemHttpResult>> CreateCapture(
        CaptureRequest request, CaptureAdmission admission, CaptureRunner runner, HttpContext http)
    {
        if (Validate(request) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors, type: CaptureProblemTypes.InvalidRequest);
        }
        var url = new Uri(request.Url);
        var (slot, problem) = await admission.AdmitAsync(url, request.HostReservation, http.RequestAborted);
        if (problem is not null)
        {
            if (problem.Transient)
            {
                http.Response.Headers.RetryAfter = admission.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            return TypedResults.Problem(problem.Detail, statusCode: problem.Status, title: problem.Title, type: problem.Type,
                extensions: new Dictionary<string, object?> { ["transient"] = problem.Transient });
        }
        return new CaptureStreamResult(request, url, slot!, runner);
    }

    public static Ok<CaptureStats> GetStats(PagePool pool, BrowserHost browsers, MemoryPressure memory, CaptureLog log, long? since)
    {
        var reading = memory.Read();
        return TypedResults.Ok(new CaptureStats(
            pool.Options.MaxPages, pool.Options.MaxWaiting, pool.InUse, pool.Waiting, pool.OpenPages, pool.PeakOpenPages,
            browsers.Stats, reading.UsedBytes, reading.LimitBytes,
            [.. log.Snapshot().Where(t => since is null || t.PageClosedAt >= since)]));
    }

    internal static Dictionary<string, string[]> Validate(CaptureRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(request, new ValidationContext(request), results, validateAllProperties: true);
        Validator.TryValidateObject(request.Viewport, new ValidationContext(request.Viewport), results, validateAllProperties: true);
        foreach (var result in results)
        {
            foreach (var member in result.MemberNames.DefaultIfEmpty(""))
            {
                errors[Camel(member)] = [.. errors.GetValueOrDefault(Camel(member), []), result.ErrorMessage ?? "Invalid."];
            }
        }
        if (!Uri.TryCreate(request.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            errors["url"] = ["An absolute http or https URL is required."];
        }
        if (request.Outputs is not { Count: > 0 })
        {
            errors["outputs"] = ["Ask for at least one output."];
        }
        else if (request.Outputs.Any(o => !Enum.IsDefined(o)))
        {
            errors["outputs"] = ["Unknown output."];
        }
        if (request.Wait == CaptureWait.Selector && string.IsNullOrWhiteSpace(request.Selector))
        {
            errors["selector"] = ["A selector is required when wait is 'selector'."];
        }
        return errors;

        static string Camel(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
    }
}

/// <summary>
/// Streams one admitted capture as <see cref="CaptureStream.MediaType"/>. The response ends with the last frame; the
/// capture's slot is released once its page is closed, after that.
/// </summary>
public sealed class CaptureStreamResult(CaptureRequest request, Uri url, CaptureSlot slot, CaptureRunner runner) : IResult, IEndpointMetadataProvider
{
    public async Task ExecuteAsync(HttpContext http)
    {
        await using (slot)
        {
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = CaptureStream.MediaType;
            http.Response.Headers.CacheControl = "no-store";
            await http.Response.StartAsync(http.RequestAborted);
            await runner.RunAsync(request, url, slot, new CaptureStreamWriter(http.Response.Body, http.Response.CompleteAsync), http.RequestAborted);
        }
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(CaptureFrame), [CaptureStream.MediaType]));
}

public sealed record CaptureStats(
    int MaxPages, int MaxWaiting, int PagesInUse, int Waiting, int OpenPages, int PeakOpenPages,
    BrowserStats Browser, long MemoryUsedBytes, long MemoryLimitBytes, IReadOnlyList<CaptureTimeline> Recent);
