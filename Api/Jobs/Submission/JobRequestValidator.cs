using System.Net;
using System.Net.Sockets;
using Platform.Scraper.Contracts;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.Api.Capture;
using Platform.Api.Formats;

namespace Platform.Api.Jobs.Submission;

/// <summary>
/// Validates submissions at the edge (DESIGN "Bad input"): exactly one source, http(s) URLs that do not resolve to
/// private addresses, text and options within limits, known formats that apply to the source. Errors are keyed by
/// the JSON path of the offending field.
/// </summary>
public sealed class JobRequestValidator(
    FormatRegistry formats,
    IOptionsMonitor<SubmissionLimits> limits,
    IOptionsMonitor<CaptureTargetOptions> targets)
{
    public async Task<(ValidatedJob? Job, Dictionary<string, string[]> Errors)> ValidateAsync(SubmitJobRequest request, CancellationToken ct)
    {
        var errors = new ErrorBag();
        ValidatedUrl? url = null;
        string? text = null;

        if (request.Source is null)
        {
            errors.Add("source", "Give a source: {\"url\": \"https://…\"} or {\"text\": \"…\"}.");
        }
        else if (request.Source.Url is not null && request.Source.Text is not null)
        {
            errors.Add("source", "Give either a url or a text, not both.");
        }
        else if (request.Source.Url is not null)
        {
            url = await ValidateUrlAsync(request.Source.Url, "source.url", errors, ct);
        }
        else if (request.Source.Text is not null)
        {
            text = ValidateText(request.Source.Text, "source.text", errors);
        }
        else
        {
            errors.Add("source", "Give either a url or a text.");
        }

        var formatNames = ValidateFormats(request.Formats, isUrlSource: request.Source?.Url is not null, text, errors);
        var options = ValidateOptions(request.Options, formatNames, errors);
        if (request.Source?.Url is not null)
        {
            CaptureSettings.Read(request.Options, errors.Add);
        }

        return errors.IsEmpty && (url is not null || text is not null)
            ? (new ValidatedJob(url?.Url, text, formatNames, options, url?.Server), errors.ToDictionary())
            : (null, errors.ToDictionary());
    }

    /// <summary>Validates what a batch shares; each URL is then validated by <see cref="ValidateBatchUrlAsync"/>.</summary>
    public (string[] Formats, string Options, Dictionary<string, string[]> Errors) ValidateBatch(BatchSubmitRequest request)
    {
        var errors = new ErrorBag();
        if (request.Urls is not { Length: > 0 })
        {
            errors.Add("urls", "Give at least one URL.");
        }
        else if (request.Urls.Length > limits.CurrentValue.MaxBatchItems)
        {
            errors.Add("urls", $"At most {limits.CurrentValue.MaxBatchItems} URLs per batch (got {request.Urls.Length}).");
        }
        var formatNames = ValidateFormats(request.Formats, isUrlSource: true, text: null, errors);
        var options = ValidateOptions(request.Options, formatNames, errors);
        CaptureSettings.Read(request.Options, errors.Add);
        return (formatNames, options, errors.ToDictionary());
    }

    public async Task<(ValidatedUrl? Url, Dictionary<string, string[]> Errors)> ValidateBatchUrlAsync(string? url, int index, CancellationToken ct)
    {
        var errors = new ErrorBag();
        var key = $"urls[{index}]";
        var parsed = url is null ? null : await ValidateUrlAsync(url, key, errors, ct);
        if (url is null)
        {
            errors.Add(key, "URL is missing.");
        }
        return (parsed, errors.ToDictionary());
    }

    private async Task<ValidatedUrl?> ValidateUrlAsync(string value, string key, ErrorBag errors, CancellationToken ct)
    {
        if (value.Length > limits.CurrentValue.MaxUrlLength)
        {
            errors.Add(key, $"URL is longer than {limits.CurrentValue.MaxUrlLength} characters.");
            return null;
        }
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri))
        {
            errors.Add(key, "Not an absolute URL.");
            return null;
        }
        if (uri.AbsoluteUri.Length > limits.CurrentValue.MaxUrlLength)
        {
            // Stored and sent on percent-encoded: "é" is 6 characters there.
            errors.Add(key, $"URL is longer than {limits.CurrentValue.MaxUrlLength} characters once percent-encoded (got {uri.AbsoluteUri.Length}).");
            return null;
        }
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            errors.Add(key, $"Only http and https URLs can be captured (not '{uri.Scheme}:').");
            return null;
        }
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            errors.Add(key, "URLs with credentials are not accepted.");
            return null;
        }
        IPAddress[] addresses;
        if (IPAddress.TryParse(uri.IdnHost, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(targets.CurrentValue.DnsTimeout);
                addresses = await Dns.GetHostAddressesAsync(uri.IdnHost, timeout.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                errors.Add(key, $"The host '{uri.Host}' could not be resolved.");
                return null;
            }
        }
        if (TargetAddresses.Refusal(uri.Host, addresses, uri.Port, targets.CurrentValue.ToRules()) is { } refusal)
        {
            errors.Add(key, refusal);
            return null;
        }
        // The server the capture will connect to names its politeness slot, which the dispatcher reserves before it claims.
        return new ValidatedUrl(uri, TargetServer.Canonical(addresses).ToString());
    }

    private string? ValidateText(string text, string key, ErrorBag errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add(key, "Text is empty.");
            return null;
        }
        if (text.Length > limits.CurrentValue.MaxTextChars)
        {
            errors.Add(key, $"Text is longer than {limits.CurrentValue.MaxTextChars} characters (got {text.Length}).");
            return null;
        }
        return text;
    }

    private string[] ValidateFormats(string[]? requested, bool isUrlSource, string? text, ErrorBag errors)
    {
        if (requested is not { Length: > 0 })
        {
            errors.Add("formats", "Choose at least one format (see GET /api/formats).");
            return [];
        }
        if (requested.Length > limits.CurrentValue.MaxFormatsPerJob)
        {
            errors.Add("formats", $"At most {limits.CurrentValue.MaxFormatsPerJob} formats per job (got {requested.Length}). {KnownFormats()}");
            return [];
        }
        var accepted = new List<string>();
        var unknown = false;
        for (var i = 0; i < requested.Length; i++)
        {
            var name = requested[i];
            var key = $"formats[{i}]";
            if (formats.Find(name ?? "") is not { } format)
            {
                // The known names are listed once (under "formats"), so the answer stays about as small as the request.
                errors.Add(key, $"Unknown format '{Shorten(name)}'.");
                unknown = true;
            }
            else if (format.NeedsCapture && !isUrlSource)
            {
                errors.Add(key, $"Format '{name}' captures a web page and needs a URL source.");
            }
            else if (format.MaxInputChars is { } max && text?.Length > max)
            {
                errors.Add(key, $"Format '{name}' accepts at most {max} characters of text.");
            }
            else if (!accepted.Contains(format.Name))
            {
                accepted.Add(format.Name);
            }
        }
        if (unknown)
        {
            errors.Add("formats", KnownFormats());
        }
        return [.. accepted];
    }

    private string KnownFormats() => $"Known formats: {string.Join(", ", formats.All.Select(f => f.Name))} (GET /api/formats).";

    private static string Shorten(string? value) => value is null ? "null" : value.Length <= 64 ? value : value[..64] + "…";

    /// <summary>
    /// 1 to MaxIdempotencyKeyLength visible ASCII characters; a batch stores "key#index" per item in the same column, so
    /// its key is shorter by the longest suffix the batch limit allows.
    /// </summary>
    public Dictionary<string, string[]>? ValidateIdempotencyKey(string? key, bool batch)
    {
        var limit = limits.CurrentValue;
        var max = Math.Min(limit.MaxIdempotencyKeyLength, SubmissionLimits.IdempotencyKeyColumnLength - (batch ? BatchKeySuffixLength(limit) : 0));
        return key is null || (key.Length is > 0 && key.Length <= max && key.All(c => c is >= '!' and <= '~'))
            ? null
            : new()
            {
                [IdempotencyKeyHeader] = [batch
                    ? $"Use 1 to {max} visible ASCII characters (each batch item adds \"#<index>\")."
                    : $"Use 1 to {max} visible ASCII characters."],
            };
    }

    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>The item key a batch stores for item <paramref name="index"/>.</summary>
    public static string BatchItemKey(string key, int index) => $"{key}#{index}";

    private static int BatchKeySuffixLength(SubmissionLimits limit) => BatchItemKey("", limit.MaxBatchItems - 1).Length;

    private string ValidateOptions(JsonElement? options, string[] formatNames, ErrorBag errors)
    {
        var element = options is { ValueKind: not JsonValueKind.Null } given ? given : (JsonElement?)null;
        if (element is { ValueKind: not JsonValueKind.Object })
        {
            errors.Add("options", "Options must be a JSON object.");
            return "{}";
        }
        // Each format checks its own options (by convention options["<format>"]), so e.g. llm-custom without an instruction is refused here.
        foreach (var name in formatNames)
        {
            JsonElement? own = element is { } obj && obj.TryGetProperty(name, out var value) ? value : null;
            foreach (var message in formats.FindProcessor(name)?.ValidateOptions(own) ?? [])
            {
                errors.Add($"options.{name}", message);
            }
        }
        if (element is null)
        {
            return "{}";
        }
        var json = JsonSerializer.Serialize(element.Value);
        if (json.Length > limits.CurrentValue.MaxOptionsBytes)
        {
            errors.Add("options", $"Options are larger than {limits.CurrentValue.MaxOptionsBytes} bytes.");
        }
        return json;
    }

    private sealed class ErrorBag
    {
        private readonly Dictionary<string, List<string>> _errors = [];
        public bool IsEmpty => _errors.Count == 0;
        public void Add(string key, string message) => (_errors.TryGetValue(key, out var list) ? list : _errors[key] = []).Add(message);
        public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
    }
}
