using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Scraper.Contracts;

/// <summary>
/// One frame of the capture stream (<see cref="CaptureStream.MediaType"/>): a JSON object on one line. A frame with a
/// <see cref="Length"/> is followed by exactly that many raw bytes and a newline (binary outputs without base64).
/// </summary>
public sealed record CaptureFrame
{
    public required string Type { get; init; }

    /// <summary>For progress frames: queued, navigating, loaded, output.</summary>
    public string? Stage { get; init; }

    /// <summary>Output name (progress "output" frames and output frames).</summary>
    public string? Output { get; init; }

    public string? ContentType { get; init; }

    public long? ElapsedMs { get; init; }

    /// <summary>Byte count of the raw body that follows this line.</summary>
    public long? Length { get; init; }

    /// <summary>Binary output inline, when the request asked for base64.</summary>
    public string? Base64 { get; init; }

    /// <summary>Text outputs as a JSON string, links and metadata as JSON values.</summary>
    public JsonElement? Data { get; init; }

    /// <summary>Result frame: the navigation's final URL and HTTP status.</summary>
    public string? FinalUrl { get; init; }

    public int? Status { get; init; }

    /// <summary>Error frame: RFC 9457 problem details plus whether retrying may help.</summary>
    public CaptureProblem? Problem { get; init; }

    /// <summary>Raw bytes of a binary output (filled by <see cref="CaptureStreamReader"/>; never serialised).</summary>
    [JsonIgnore]
    public ReadOnlyMemory<byte> Body { get; init; }

    public static class Types
    {
        public const string Progress = "progress";
        public const string Output = "output";
        public const string Result = "result";
        public const string Error = "error";
    }

    public static class Stages
    {
        public const string Queued = "queued";
        public const string Navigating = "navigating";
        public const string Loaded = "loaded";
        public const string Output = "output";
    }
}

public sealed record CaptureProblem
{
    public required string Type { get; init; }
    public required string Title { get; init; }
    public int Status { get; init; }
    public string? Detail { get; init; }

    /// <summary>True when the same capture may succeed later (timeouts, browser crash, target 5xx, saturation).</summary>
    public bool Transient { get; init; }

    public int? TargetStatus { get; init; }
}

/// <summary>Problem "type" URIs the Scraper returns, in HTTP responses and in error frames.</summary>
public static class CaptureProblemTypes
{
    private const string Base = "https://platform.local/problems/capture/";
    public const string InvalidRequest = Base + "invalid-request";
    public const string BlockedAddress = Base + "blocked-address";
    public const string PoolSaturated = Base + "pool-saturated";
    public const string MemoryPressure = Base + "memory-pressure";
    public const string HostBusy = Base + "host-busy";
    public const string BrowserCrashed = Base + "browser-crashed";
    public const string Timeout = Base + "timeout";
    public const string TargetStatus = Base + "target-status";
    public const string NavigationFailed = Base + "navigation-failed";
    public const string OutputTooLarge = Base + "output-too-large";
    public const string LeaseLost = Base + "lease-lost";
    public const string Cancelled = Base + "cancelled";
}

public sealed record CapturedLink(string Url, string Text, bool Internal);

public sealed record PageMetadata
{
    public string? Title { get; init; }
    public string? Description { get; init; }
    public string? Language { get; init; }
    public string? Canonical { get; init; }
    public IReadOnlyDictionary<string, string> OpenGraph { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<PageHeading> Headings { get; init; } = [];
    public string? Url { get; init; }
}

public sealed record PageHeading(int Level, string Text);
