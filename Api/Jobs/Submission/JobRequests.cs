using System.Text.Json;

namespace Platform.Api.Jobs.Submission;

// Every member may be left out (the defaults say so to the OpenAPI document); JobRequestValidator says what is missing.

/// <summary>POST /api/jobs: <c>{"source": {"url": "https://…"} | {"text": "…"}, "formats": [...], "options": {...}}</c>.</summary>
public sealed record SubmitJobRequest(JobSourceRequest? Source = null, string[]? Formats = null, JsonElement? Options = null);

public sealed record JobSourceRequest(string? Url = null, string? Text = null);

/// <summary>POST /api/jobs/batch: one job per URL, with the same formats and options.</summary>
public sealed record BatchSubmitRequest(string[]? Urls = null, string[]? Formats = null, JsonElement? Options = null);

/// <summary>A URL that passed validation and the address of the server it resolved to (<see cref="Platform.Scraper.Contracts.TargetServer"/>).</summary>
public sealed record ValidatedUrl(Uri Url, string Server);

/// <summary>
/// A request that passed validation: exactly one source, known formats that apply to it, options as compact JSON, and for a
/// URL the target server its capture connects to (what the dispatcher's politeness reservation is keyed on).
/// </summary>
public sealed record ValidatedJob(Uri? Url, string? Text, string[] Formats, string OptionsJson, string? TargetServer = null)
{
    /// <summary>Identifies the request for Idempotency-Key: the same key with a different hash is a conflict.</summary>
    public string RequestHash()
    {
        var canonical = JsonSerializer.SerializeToUtf8Bytes(new { url = Url?.AbsoluteUri, text = Text, formats = Formats, options = OptionsJson });
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(canonical));
    }
}
