using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly.Retry;
using Polly.Telemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// One log line per resilience event of every HttpClient pipeline (a retry, a timeout, a circuit opening or closing), at
/// the event's own level, naming the outcome by type and message: no stack trace per attempt. Polly's own log lines,
/// which attach the exception to every attempt, are lowered to Debug. Metrics are unchanged (Polly's meter).
/// </summary>
public sealed class ResilienceEventLog(ILogger logger) : TelemetryListener
{
    private static readonly HashSet<string> NotEvents = ["ExecutionAttempt", "PipelineExecuting", "PipelineExecuted"];

    public static void AddTo(IServiceCollection services) =>
        services.AddOptions<TelemetryOptions>().Configure<ILoggerFactory>((options, loggers) =>
        {
            options.TelemetryListeners.Add(new ResilienceEventLog(loggers.CreateLogger("Platform.Resilience")));
            options.SeverityProvider = _ => ResilienceEventSeverity.Debug;
        });

    public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
    {
        var level = Level(args.Event.Severity);
        if (NotEvents.Contains(args.Event.EventName) || !logger.IsEnabled(level))
        {
            return;
        }
        var outcome = args.Outcome switch
        {
            { Exception: { } e } => $"{e.GetType().Name}: {FirstLine(e.Message)}",
            { Result: HttpResponseMessage response } => $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}",
            { Result: { } result } => result.ToString(),
            _ => "no outcome",
        };
        var next = args.Arguments is OnRetryArguments<TResult> retry ? $"; try {retry.AttemptNumber + 2} in {retry.RetryDelay.TotalMilliseconds:0} ms" : "";
        logger.Log(level, "{Pipeline} {Strategy} {Event}: {Outcome}{Next}",
            args.Source.PipelineName, args.Source.StrategyName, args.Event.EventName, outcome, next);
    }

    private static LogLevel Level(ResilienceEventSeverity severity) => severity switch
    {
        ResilienceEventSeverity.Debug => LogLevel.Debug,
        ResilienceEventSeverity.Information => LogLevel.Information,
        ResilienceEventSeverity.Warning => LogLevel.Warning,
        ResilienceEventSeverity.Error => LogLevel.Error,
        ResilienceEventSeverity.Critical => LogLevel.Critical,
        _ => LogLevel.None,
    };

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
