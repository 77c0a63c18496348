using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.Api.Formats;
using Platform.Api.Jobs;

namespace Platform.Api.Dispatch;

/// <summary>
/// Runs one claimed job: the capture first for URL jobs (when any task needs it), then the text tasks in parallel with
/// a bounded degree. Each task ends on its own; the job's outcome follows from its tasks. Every write is fenced by the
/// claim's lease epoch; a rejected write stops the whole run without another write.
/// </summary>
public sealed class JobExecutor(
    FormatRegistry registry,
    ICaptureService capture,
    FencedJobWriter writer,
    TaskRetryPolicy retries,
    DispatchNotifier notifier,
    IOptionsMonitor<JobLimitsOptions> limits,
    IOptionsMonitor<DispatchOptions> dispatch,
    JobMetrics metrics,
    TimeProvider time,
    ILogger<JobExecutor> logger)
{
    private static readonly ActivitySource Activity = new("Platform.Jobs");

    public async Task ExecuteAsync(JobRun run)
    {
        var job = run.Job;
        // A child of the submitting request, so the job's trace runs gateway → Api → (this replica) → Scraper.
        ActivityContext.TryParse(job.TraceParent, null, out var submission);
        using var activity = Activity.StartActivity("job.execute", ActivityKind.Internal, submission);
        activity?.SetTag("job.id", job.Id);
        activity?.SetTag("job.attempt", job.Attempt);

        var states = new ConcurrentDictionary<string, TaskState>(job.Tasks.ToDictionary(t => t.Format, t => t.State));
        var errors = new ConcurrentDictionary<string, string>();
        var options = dispatch.CurrentValue;
        await using (var reporter = new RunReporter(job, writer, options.OutputInterval, options.ProgressInterval, time, ex => OnWriteFailure(run, ex)))
        {
            try
            {
                await RunTasksAsync(run, reporter, states, errors);
            }
            catch (FencingRejectedException ex)
            {
                logger.LogWarning("Job {JobId}: {Write} was fenced off (epoch {Epoch}); stopping without further writes.", job.Id, ex.Write, ex.Epoch);
                run.Stop(StopReason.LeaseLost);
            }
            catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                // A bug or an unreachable database: the tasks that did not end fail with it, below.
                logger.LogError(ex, "Job {JobId} failed unexpectedly.", job.Id);
                foreach (var format in states.Where(s => !s.Value.IsFinished()).Select(s => s.Key))
                {
                    errors.TryAdd(format, ex.Message);
                }
            }
        }
        await FinishAsync(run, states, errors);
    }

    private async Task RunTasksAsync(JobRun run, RunReporter reporter, ConcurrentDictionary<string, TaskState> states, ConcurrentDictionary<string, string> errors)
    {
        var job = run.Job;
        var pending = job.Tasks.Where(t => t.State == TaskState.Pending).Select(t => t.Format).ToList();
        var captureFormats = pending.Where(f => registry.Find(f)?.NeedsCapture == true).ToList();
        var processed = pending.Where(f => registry.FindProcessor(f) is not null).ToList();
        var unavailable = pending.Except(captureFormats).Except(processed).ToList();
        if (unavailable.Count > 0)
        {
            await EndTasksAsync(run, reporter, unavailable, TaskState.Failed, "This format is not available on this instance.", states, errors);
        }

        using var optionsDocument = JsonDocument.Parse(job.OptionsJson);
        var jobOptions = optionsDocument.RootElement;
        var needText = processed.Where(f => registry.FindProcessor(f)!.Descriptor.NeedsText).ToList();
        var text = job.SourceText;
        CaptureResult? captured = null;

        if (job.SourceUrl is { } url && (captureFormats.Count > 0 || needText.Count > 0))
        {
            // A job with nothing to run after its capture ends right after it, and that end wakes every dispatcher.
            var endsWithCapture = processed.Count == 0;
            captured = await CaptureAsync(run, reporter, new Uri(url), captureFormats, needText.Count > 0, endsWithCapture, jobOptions, states, errors);
            text = captured?.Text;
            if (text is null && needText.Count > 0)
            {
                var reason = captured is null ? "Skipped: the page could not be captured." : "Skipped: the capture returned no text.";
                await EndTasksAsync(run, reporter, needText, TaskState.Skipped, reason, states, errors);
                processed = [.. processed.Except(needText)];
            }
        }

        await Parallel.ForEachAsync(processed,
            new ParallelOptions { MaxDegreeOfParallelism = limits.CurrentValue.TaskParallelism },
            async (format, _) => await RunTaskAsync(run, reporter, format, text, captured, jobOptions, states, errors));
    }

    private async Task<CaptureResult?> CaptureAsync(
        JobRun run, RunReporter reporter, Uri url, List<string> formats, bool needsText, bool endsJob, JsonElement jobOptions,
        ConcurrentDictionary<string, TaskState> states, ConcurrentDictionary<string, string> errors)
    {
        var job = run.Job;
        var started = Stopwatch.GetTimestamp();
        var progress = new CallbackProgress<CaptureProgress>(p =>
        {
            foreach (var format in formats)
            {
                reporter.ReportProgress(format, p.Fraction, p.Stage);
            }
        });
        try
        {
            CaptureResult result;
            try
            {
                result = await retries.ExecuteAsync("capture", async (attempt, token) =>
                {
                    if (formats.Count > 0)
                    {
                        await reporter.ExclusiveAsync(() => writer.TaskStartedAsync(job, formats, attempt, CancellationToken.None), token);
                    }
                    return await capture.CaptureAsync(new CaptureRequest(job.Id, url, formats, needsText, jobOptions, run.Capture), progress, token);
                }, run.Token);
            }
            finally
            {
                await ReleaseCaptureAsync(run, notifyReplicas: !endsJob);
            }

            // The capture is over: each of its tasks' result, written next, supersedes the progress still pending for it,
            // which would otherwise be flushed (a write of its own) just before the first result.
            reporter.MarkEnded(formats);
            foreach (var format in formats.Where(f => !result.Outputs.ContainsKey(f)))
            {
                var reason = result.Failures.GetValueOrDefault(format) ?? "The capture produced no output for this format.";
                await EndTasksAsync(run, reporter, [format], TaskState.Failed, reason, states, errors, started);
            }
            // Its outputs arrived together: stored in one write (with the job's end when they are its last tasks).
            List<(string, FormatOutput)> outputs = [.. formats.Where(result.Outputs.ContainsKey).Select(f => (f, result.Outputs[f]))];
            if (outputs.Count > 0)
            {
                await CompleteTasksAsync(run, reporter, outputs, states, started);
            }
            return result;
        }
        catch (CaptureReservationLostException)
        {
            // Redis's fault, not the page's: no attempt is spent; the job goes back to the queue (FinishAsync), its
            // capture's tasks left as they are (running tasks start over as pending).
            run.Stop(StopReason.CaptureReservationLost);
            run.Token.ThrowIfCancellationRequested();
            throw;
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or FencingRejectedException))
        {
            logger.LogInformation("Job {JobId}: capture of {Url} failed: {Error}", job.Id, url, ex.Message);
            await EndTasksAsync(run, reporter, formats, TaskState.Failed, $"Capture failed: {ex.Message}", states, errors, started);
            return null;
        }
        catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
        {
            await EndStoppedTasksAsync(run, reporter, formats, states, errors, started);
            throw;
        }
    }

    /// <summary>
    /// The capture is over (done, failed or stopped): its host slot and page serve the next job now. This replica's
    /// dispatcher is woken at once; the others by a NOTIFY, unless the job ends next (<paramref name="notifyReplicas"/>
    /// false): its end is written moments later with a NOTIFY of its own (completed, failed, cancelled, handed back), so
    /// a second one would only wake every dispatcher twice. Only a run fenced off meanwhile writes no end; its freed
    /// capacity is then found by the others' safety poll.
    /// </summary>
    private async Task ReleaseCaptureAsync(JobRun run, bool notifyReplicas)
    {
        if (run.Capture is { IsReleased: false } reservation)
        {
            await reservation.DisposeAsync();
            if (notifyReplicas)
            {
                await notifier.CapacityFreedAsync();
            }
            else
            {
                notifier.CapacityFreedHere();
            }
        }
    }

    private async Task RunTaskAsync(
        JobRun run, RunReporter reporter, string format, string? text, CaptureResult? captured, JsonElement jobOptions,
        ConcurrentDictionary<string, TaskState> states, ConcurrentDictionary<string, string> errors)
    {
        var job = run.Job;
        var processor = registry.FindProcessor(format)!;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var output = await retries.ExecuteAsync(format, async (attempt, token) =>
            {
                await reporter.ExclusiveAsync(() => writer.TaskStartedAsync(job, [format], attempt, CancellationToken.None), token);
                var context = new FormatContext(job.Id, format, attempt, job.SourceUrl is null ? null : new Uri(job.SourceUrl),
                    text, captured, jobOptions, reporter);
                // Off the dispatch thread: a processor may be CPU-bound and synchronous.
                return await Task.Run(() => processor.ProcessAsync(context, token), token);
            }, run.Token);
            await CompleteTasksAsync(run, reporter, [(format, output)], states, started);
        }
        catch (FencingRejectedException)
        {
            // Stop the sibling tasks now rather than when they next try to write.
            run.Stop(StopReason.LeaseLost);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await EndTasksAsync(run, reporter, [format], TaskState.Failed, ex.Message, states, errors, started);
        }
        catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
        {
            await EndStoppedTasksAsync(run, reporter, [format], states, errors, started);
        }
    }

    private async Task CompleteTasksAsync(JobRun run, RunReporter reporter, IReadOnlyList<(string Format, FormatOutput Output)> results,
        ConcurrentDictionary<string, TaskState> states, long started)
    {
        var formats = results.Select(r => r.Format).ToList();
        reporter.MarkEnded(formats);
        await reporter.ExclusiveAsync(async () =>
        {
            // The job's last tasks, every other one completed and no stop asked for: their results and the job's end are
            // one write. Decided inside the run's write gate, where no other task of the run ends meanwhile.
            var last = run.Reason == StopReason.None && states.All(s => formats.Contains(s.Key) || s.Value == TaskState.Completed);
            if (last)
            {
                run.IsFinishing = true;
            }
            // Null unless this write ended the job (only the last one can).
            run.Finished = await writer.TasksCompletedAsync(run.Job, results, finishJob: last, CancellationToken.None);
            foreach (var format in formats)
            {
                states[format] = TaskState.Completed;
            }
        });
        foreach (var format in formats)
        {
            metrics.TaskFinished(format, TaskState.Completed, Stopwatch.GetElapsedTime(started));
        }
    }

    private async Task EndTasksAsync(JobRun run, RunReporter reporter, IReadOnlyCollection<string> formats, TaskState state, string? error,
        ConcurrentDictionary<string, TaskState> states, ConcurrentDictionary<string, string> errors, long? started = null)
    {
        if (formats.Count == 0)
        {
            return;
        }
        reporter.MarkEnded(formats);
        await reporter.ExclusiveAsync(() => writer.TasksEndedAsync(run.Job, formats, state, error, CancellationToken.None));
        foreach (var format in formats)
        {
            states[format] = state;
            if (error is not null)
            {
                errors[format] = error;
            }
            if (started is { } s)
            {
                metrics.TaskFinished(format, state, Stopwatch.GetElapsedTime(s));
            }
        }
    }

    /// <summary>Tasks interrupted by a stop: cancelled when the user cancelled; otherwise (lease lost, shutdown) left as they are.</summary>
    private Task EndStoppedTasksAsync(JobRun run, RunReporter reporter, IReadOnlyCollection<string> formats,
        ConcurrentDictionary<string, TaskState> states, ConcurrentDictionary<string, string> errors, long started) =>
        run.Reason == StopReason.Cancelled
            ? EndTasksAsync(run, reporter, formats, TaskState.Cancelled, JobTransitions.CancelledByUser, states, errors, started)
            : Task.CompletedTask;

    private async Task FinishAsync(JobRun run, ConcurrentDictionary<string, TaskState> states, ConcurrentDictionary<string, string> errors)
    {
        var job = run.Job;
        if (run.Finished is { } finished)
        {
            // Written with the last task's result.
            metrics.Finished(finished, time.GetUtcNow() - run.StartedAt);
            return;
        }
        try
        {
            switch (run.Reason)
            {
                case StopReason.LeaseLost:
                    return;
                case StopReason.Shutdown:
                    await writer.HandBackAsync(job, HandBackReasons.Shutdown, CancellationToken.None);
                    metrics.Requeued("shutdown");
                    logger.LogInformation("Job {JobId} handed back: instance shutting down (requeued, or cancelled when a cancel was pending).", job.Id);
                    return;
                case StopReason.CaptureReservationLost:
                    await writer.HandBackAsync(job, HandBackReasons.CaptureReservationLost, CancellationToken.None);
                    metrics.Requeued("capture-reservation-lost");
                    logger.LogWarning("Job {JobId} requeued, attempt {Attempt} unspent: its capture reservation was lost (Redis forgot or stopped renewing it).",
                        job.Id, job.Attempt);
                    return;
            }

            var cancelled = run.Reason == StopReason.Cancelled;
            var unfinished = states.Where(s => !s.Value.IsFinished()).Select(s => s.Key).ToList();
            if (unfinished.Count > 0)
            {
                var state = cancelled ? TaskState.Cancelled : TaskState.Failed;
                var error = cancelled ? JobTransitions.CancelledByUser : errors.GetValueOrDefault(unfinished[0]) ?? "The task did not run.";
                await writer.TasksEndedAsync(job, unfinished, state, error, CancellationToken.None);
                foreach (var format in unfinished)
                {
                    states[format] = state;
                    errors.TryAdd(format, error);
                }
            }

            var outcome = JobStateMachine.Outcome([.. states.Values], cancelled);
            var summary = outcome == JobState.Completed
                ? null
                : string.Join("; ", errors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}: {e.Value}"));
            run.IsFinishing = true;
            var final = await writer.JobFinishedAsync(job, outcome, string.IsNullOrEmpty(summary) ? null : summary, CancellationToken.None);
            metrics.Finished(final, time.GetUtcNow() - run.StartedAt);
        }
        catch (FencingRejectedException ex)
        {
            run.Stop(StopReason.LeaseLost);
            logger.LogWarning("Job {JobId}: final {Write} fenced off (epoch {Epoch}); another executor owns the job.", job.Id, ex.Write, ex.Epoch);
        }
        catch (Exception ex)
        {
            // The lease will expire and the rescuer will requeue or fail the job.
            logger.LogError(ex, "Job {JobId}: could not record its end; the lease will expire and the rescuer takes over.", job.Id);
        }
    }

    private void OnWriteFailure(JobRun run, Exception ex)
    {
        if (ex is FencingRejectedException)
        {
            run.Stop(StopReason.LeaseLost);
        }
        else
        {
            logger.LogWarning(ex, "Job {JobId}: a progress/output write failed.", run.Job.Id);
        }
    }

    /// <summary>IProgress that calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool and reorder).</summary>
    private sealed class CallbackProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
