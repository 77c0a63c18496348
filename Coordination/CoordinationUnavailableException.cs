namespace Platform.Coordination;

/// <summary>
/// Redis could not be reached (not connected, timed out, or still loading). Redis is only the fast path: callers catch this
/// and fall back to the guarantee they keep in PostgreSQL instead of failing the work.
/// </summary>
public sealed class CoordinationUnavailableException : Exception
{
    public CoordinationUnavailableException(string message) : base(message) { }

    public CoordinationUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
