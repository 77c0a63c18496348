namespace Platform.AppHost.Gateway;

/// <summary>
/// The AppHost owns Ctrl-C and SIGTERM and stops the gateway in its turn; the default ConsoleLifetime would stop the
/// gateway on its own the moment the signal arrives (and, inside a test host, react to the test runner's signals).
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
