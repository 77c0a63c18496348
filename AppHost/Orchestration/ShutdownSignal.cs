using System.Runtime.InteropServices;

namespace Platform.AppHost.Orchestration;

/// <summary>
/// Ctrl-C, SIGTERM, SIGQUIT or SIGHUP (terminal closed) ask for a clean shutdown: <see cref="Token"/> is cancelled and
/// the process keeps running so it can stop its children. A second signal is not intercepted and ends the process at
/// once (the children still die: they carry PDEATHSIG).
/// </summary>
public sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _requested = new();
    private readonly PosixSignalRegistration[] _registrations;

    public ShutdownSignal()
    {
        _registrations =
        [
            .. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT, PosixSignal.SIGHUP }
                .Select(signal => PosixSignalRegistration.Create(signal, OnSignal)),
        ];
    }

    public CancellationToken Token => _requested.Token;

    public bool IsRequested => _requested.IsCancellationRequested;

    public PosixSignal? Received { get; private set; }

    public Task WaitAsync() => Task.Delay(Timeout.Infinite, Token).ContinueWith(_ => { }, TaskScheduler.Default);

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
        _requested.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (_requested.IsCancellationRequested)
        {
            return; // second signal: let the default action terminate the process
        }
        context.Cancel = true;
        Received = context.Signal;
        _requested.Cancel();
    }
}
