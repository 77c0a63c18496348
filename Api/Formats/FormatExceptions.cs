namespace Platform.Api.Formats;

/// <summary>A failure worth retrying (timeout, 5xx, 429, connection reset). RetryAfter, when known, is honoured.</summary>
public sealed class TransientFormatException(string message, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>A failure that will not go away by trying again (4xx from the target, invalid content, unsupported input).</summary>
public sealed class PermanentFormatException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The capture's reservation (host politeness slot, Scraper page) can no longer be guaranteed — Redis forgot or stopped
/// answering for it — so the capture was stopped. Neither the page's fault nor the task's: not retried in place (that
/// would spend the task's attempts while Redis is out), the job goes back to the queue with its attempt unspent.
/// </summary>
public sealed class CaptureReservationLostException(Exception? inner = null)
    : Exception("The capture's reservation (host politeness slot or Scraper page) was lost.", inner);
