using System.Text.Json;
using Platform.Scraper.Contracts;

namespace Platform.Api.Capture;

/// <summary>
/// A job's <c>options.capture</c>: <c>{"wait": "load|networkidle|selector", "selector", "timeoutMs", "fullPage",
/// "viewport": {"width", "height"}}</c>. Submission validates it field by field with <see cref="Read"/>, and the capture
/// reads it the same way, so a value the Scraper would refuse is a 400 at the edge, never a failed job later.
/// </summary>
public sealed record CaptureSettings(CaptureWait? Wait, string? Selector, int? TimeoutMs, bool? FullPage, CaptureViewport? Viewport)
{
    public const string OptionName = "capture";
    private const string Key = "options." + OptionName;
    private const int MaxSelectorLength = 1_000;

    private static readonly CaptureSettings Empty = new(null, null, null, null, null);

    /// <summary>Reads <c>options.capture</c> from the job's options; each problem goes to <paramref name="errors"/> under its JSON path.</summary>
    public static CaptureSettings Read(JsonElement? options, Action<string, string> errors)
    {
        if (options is not { ValueKind: JsonValueKind.Object } all || !all.TryGetProperty(OptionName, out var capture) || capture.ValueKind == JsonValueKind.Null)
        {
            return Empty;
        }
        if (capture.ValueKind != JsonValueKind.Object)
        {
            errors(Key, "Capture options must be a JSON object.");
            return Empty;
        }
        CaptureWait? wait = null;
        string? selector = null;
        int? timeoutMs = null;
        bool? fullPage = null;
        CaptureViewport? viewport = null;
        foreach (var property in capture.EnumerateObject())
        {
            var key = $"{Key}.{property.Name}";
            var value = property.Value;
            switch (property.Name)
            {
                case "wait":
                    wait = value.ValueKind == JsonValueKind.String ? value.GetString() switch
                    {
                        "load" => CaptureWait.Load,
                        "networkidle" => CaptureWait.NetworkIdle,
                        "selector" => CaptureWait.Selector,
                        _ => null,
                    } : null;
                    if (wait is null)
                    {
                        errors(key, "Use \"load\", \"networkidle\" or \"selector\".");
                    }
                    break;
                case "selector":
                    selector = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                    if (selector is null || selector.Length is 0 or > MaxSelectorLength)
                    {
                        errors(key, $"A CSS selector of 1 to {MaxSelectorLength} characters.");
                        selector = null;
                    }
                    break;
                case "timeoutMs":
                    timeoutMs = Int(value, 500, 300_000, key, errors);
                    break;
                case "fullPage":
                    if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    {
                        fullPage = value.GetBoolean();
                    }
                    else
                    {
                        errors(key, "Use true or false.");
                    }
                    break;
                case "viewport":
                    viewport = ReadViewport(value, key, errors);
                    break;
                default:
                    errors(key, "Unknown capture option. Known: wait, selector, timeoutMs, fullPage, viewport.");
                    break;
            }
        }
        if (wait == CaptureWait.Selector && selector is null && !capture.TryGetProperty("selector", out _))
        {
            errors($"{Key}.selector", "A selector is required when wait is \"selector\".");
        }
        return new CaptureSettings(wait, selector, timeoutMs, fullPage, viewport);
    }

    /// <summary>For the capture itself: the options were validated at submission, so problems cannot occur here.</summary>
    public static CaptureSettings From(JsonElement options) => Read(options, static (_, _) => { });

    private static CaptureViewport? ReadViewport(JsonElement value, string key, Action<string, string> errors)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors(key, "The viewport is an object: {\"width\": 1280, \"height\": 800}.");
            return null;
        }
        var defaults = new CaptureViewport();
        int? width = null, height = null;
        foreach (var property in value.EnumerateObject())
        {
            switch (property.Name)
            {
                case "width": width = Int(property.Value, 200, 4_000, $"{key}.width", errors); break;
                case "height": height = Int(property.Value, 200, 4_000, $"{key}.height", errors); break;
                default: errors($"{key}.{property.Name}", "Unknown viewport option. Known: width, height."); break;
            }
        }
        return new CaptureViewport { Width = width ?? defaults.Width, Height = height ?? defaults.Height };
    }

    private static int? Int(JsonElement value, int min, int max, string key, Action<string, string> errors)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= min && number <= max)
        {
            return number;
        }
        errors(key, $"A whole number from {min} to {max}.");
        return null;
    }
}
