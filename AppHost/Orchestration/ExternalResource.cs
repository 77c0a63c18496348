namespace Platform.AppHost.Orchestration;

/// <summary>A server given by connection string (ConnectionStrings__redis / ConnectionStrings__platform): used, never started or stopped.</summary>
internal sealed class ExternalResource(string name, ResourceLog log, Func<CancellationToken, Task<bool>> probe) : Resource(name, log)
{
    public override Uri? Url => null;

    public override int? Pid => null;

    public override async Task WaitHealthyAsync(CancellationToken ct = default)
    {
        while (!await probe(ct))
        {
            await Task.Delay(250, ct);
        }
        SetState(ResourceState.Healthy);
    }
}
