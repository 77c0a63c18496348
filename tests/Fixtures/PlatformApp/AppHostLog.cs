using Microsoft.Extensions.Logging;

namespace Platform.Testing;

/// <summary>
/// What the AppHost itself logs (its crash restarter, its resource state log, DCP's messages), as an operator sees it in
/// the console of ./run: kept in memory, last lines only, for assertions and failure messages.
/// </summary>
internal sealed class AppHostLog : ILoggerProvider
{
    private const int Capacity = 2000;
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();

    public IReadOnlyList<string> Tail(int count)
    {
        lock (_gate)
        {
            return [.. _lines.Skip(Math.Max(0, _lines.Count - count))];
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        lock (_gate)
        {
            _lines.Enqueue(line);
            if (_lines.Count > Capacity)
            {
                _lines.Dequeue();
            }
        }
    }

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
