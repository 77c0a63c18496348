using System.Collections.Concurrent;

namespace Platform.Coordination.Tests.Infrastructure;

/// <summary>
/// Runs an async body on one dedicated thread whose continuations queue up (a UI-thread-like context): code awaited from
/// it resumes only when that thread is free. Lets a test hold the thread (Thread.Sleep) while a timer completes a task,
/// then act before the continuation runs: an interleaving that is otherwise a race of microseconds between two threads.
/// </summary>
public sealed class SingleThreadContext : SynchronizationContext
{
    private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = [];

    public override void Post(SendOrPostCallback d, object? state) => _queue.Add((d, state));

    public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException();

    public static Task RunAsync(Func<Task> body)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var context = new SingleThreadContext();
            SetSynchronizationContext(context);
            Task task;
            try
            {
                task = body();
            }
            catch (Exception e)
            {
                done.SetException(e);
                return;
            }
            task.ContinueWith(_ => context._queue.CompleteAdding(), TaskScheduler.Default);
            foreach (var (callback, state) in context._queue.GetConsumingEnumerable())
            {
                callback(state);
            }
            if (task.Exception is { } failed)
            {
                done.SetException(failed.InnerExceptions);
            }
            else
            {
                done.SetResult();
            }
        }) { IsBackground = true, Name = "single-thread context" };
        thread.Start();
        return done.Task;
    }
}
