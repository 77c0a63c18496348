using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.Api.Tests.Capture;

namespace Platform.Api.Tests.Infrastructure;

/// <summary>Issue 11: a retried HTTP attempt is one log line at Warning, not a stack trace per attempt.</summary>
public sealed class ResilienceEventLogTests
{
    [Fact]
    public async Task Each_retry_of_an_http_call_is_one_warning_line_without_an_exception_and_nothing_else_is_logged_above_debug()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await StubScraper.StartAsync();
        server.Handler = (http, n) =>
        {
            http.Response.StatusCode = n <= 2 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            return Task.CompletedTask;
        };
        var logs = new RecordingLoggerProvider();
        var services = new ServiceCollection().AddLogging(l => l.SetMinimumLevel(LogLevel.Debug).AddProvider(logs));
        ResilienceEventLog.AddTo(services);
        services.AddHttpClient("probe", http => http.BaseAddress = server.Url)
            .AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.FromMilliseconds(10));
        var client = services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>().CreateClient("probe");

        using var response = await client.PostAsync("/captures", null, ct);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, server.Requests);
        var visible = logs.Entries.Where(e => e.Level >= LogLevel.Information).ToList();
        Assert.All(visible, e => Assert.Null(e.Exception));
        Assert.Equal(2, visible.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("OnRetry", StringComparison.Ordinal)
            && e.Message.Contains("HTTP 503", StringComparison.Ordinal) && !e.Message.Contains('\n')));
        Assert.DoesNotContain(visible, e => e.Category.StartsWith("Polly", StringComparison.Ordinal));
    }

    private sealed record Entry(string Category, LogLevel Level, string Message, Exception? Exception);

    private sealed class RecordingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<Entry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, Entries);

        public void Dispose()
        {
        }

        private sealed class Recorder(string category, ConcurrentQueue<Entry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), exception));
        }
    }
}
