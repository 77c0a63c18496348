namespace Platform.Api.Live;

/// <summary>
/// Hands a stored job event (already committed to PostgreSQL with its seq) to the live path.
/// Never blocks an executor for long: progress may be coalesced (latest per job and format wins);
/// state, result and output events are never dropped by the in-process queue.
/// </summary>
public interface IJobEventPublisher
{
    ValueTask PublishAsync(JobEventMessage jobEvent, CancellationToken cancellationToken = default);
}
