using Platform.Testing;

namespace Platform.Integration.Tests.Infrastructure;

/// <summary>
/// When every test of the assembly has run: no process of any app the tests started (DCP, its monitors, services,
/// Redis, PostgreSQL, Chromium) is still running. Apps stop in the background after their collection ends.
/// </summary>
public sealed class NoAppProcessLeft : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        var left = await PlatformApp.WaitAllStoppedAsync();
        if (left.Count > 0)
        {
            throw new InvalidOperationException($"Processes of the app left after the tests: {ProcessProbe.Describe(left)}");
        }
    }
}
