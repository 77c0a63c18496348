namespace Platform.Api.Formats;

/// <summary>A failure worth retrying (timeout, 5xx, 429, connection reset). RetryAfter, when known, is honoured.</summary>
public sealed class TransientFormatException(string message, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>A failure that will not go away by trying again (4xx from the target, invalid content, unsupported input).</summary>
public sealed class PermanentFormatException(string message, Exception? inner = null) : Exception(message, inner);
