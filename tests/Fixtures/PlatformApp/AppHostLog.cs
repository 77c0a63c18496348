using Microsoft.Extensions.Logging;

namespace Platform.Testing;

/// <summary>
/// What the AppHost itself logs (its crash restarter, its resource state log, DCP's messages), as an operator sees it in
/// the console of ./run: kept in memory, last lines only, for assertions and failure messages.
/// </summary>
internal sealed class AppHostLog : ILoggerProvider
{
    private readonly LogTail _lines = new();

    public IReadOnlyList<string> Tail(int count) => _lines.Last(count);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string line) => _lines.Add(line);

    private sealed class Logger(AppHostLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
            }
        }
    }
}
