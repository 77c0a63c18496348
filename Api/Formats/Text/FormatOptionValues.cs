using System.Text.Json;

namespace Platform.Api.Formats.Text;

/// <summary>
/// Reads a format's own settings (<c>options["&lt;format&gt;"]</c>) with bounds, collecting every problem so the caller
/// can answer with all of them at once.
/// </summary>
public static class FormatOptionValues
{
    public static int GetInt(JsonElement? options, string name, int defaultValue, int min, int max, ICollection<string> errors)
    {
        if (options is not { } element || !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return defaultValue;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= min && number <= max)
        {
            return number;
        }
        errors.Add($"'{name}' must be a whole number from {min} to {max}.");
        return defaultValue;
    }

    public static string? GetString(JsonElement? options, string name, int maxLength, ICollection<string> errors)
    {
        if (options is not { } element || !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add($"'{name}' must be a string.");
            return null;
        }
        var text = value.GetString()!.Trim();
        if (text.Length > maxLength)
        {
            errors.Add($"'{name}' must be at most {maxLength} characters (was {text.Length}).");
            return null;
        }
        return text.Length == 0 ? null : text;
    }

    /// <summary>Throws the collected problems as a permanent failure: retrying the same options cannot succeed.</summary>
    public static void ThrowIfAny(string format, IReadOnlyCollection<string> errors)
    {
        if (errors.Count > 0)
        {
            throw new PermanentFormatException($"Invalid options for '{format}': {string.Join(" ", errors)}");
        }
    }
}
