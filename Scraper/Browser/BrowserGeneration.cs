using Microsoft.Playwright;

namespace Platform.Scraper.Browser;

/// <summary>One launched Chromium and its capture accounting; state changes under its own lock.</summary>
public sealed class BrowserGeneration(int id, IBrowser browser, int captureBudget, int? processId)
{
    private enum State { Active, Retiring, Closing, Dead }

    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _lost = new();
    private State _state = State.Active;
    private int _capturesStarted;
    private int _inFlight;

    public int Id { get; } = id;
    public IBrowser Browser { get; } = browser;
    public int? ProcessId { get; } = processId;
    public int CapturesStarted { get { lock (_gate) return _capturesStarted; } }
    public int InFlight { get { lock (_gate) return _inFlight; } }
    public bool IsActive { get { lock (_gate) return _state == State.Active; } }
    public bool IsRetiring { get { lock (_gate) return _state == State.Retiring; } }

    /// <summary>
    /// Cancelled when the browser is lost under its captures (crashed, killed, or hung and being killed): a capture waiting
    /// on a Playwright call ends now, as <c>browser-crashed</c>, instead of when Playwright notices or its hard timeout fires.
    /// </summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>True once the browser went away without us closing it: captures on it failed because of the browser.</summary>
    public bool IsDead { get { lock (_gate) return _state == State.Dead; } }

    /// <summary>Set when the browser was killed for not answering: its captures failed because of the browser.</summary>
    public bool WasUnresponsive { get { lock (_gate) return _unresponsive; } }

    private bool _unresponsive;
    private Task<ICDPSession>? _probeSession;

    /// <summary>Completes when the browser answered a CDP <c>Browser.getVersion</c>, or could not be asked (disconnected).</summary>
    public async Task ProbeAsync()
    {
        try
        {
            _probeSession ??= Browser.NewBrowserCDPSessionAsync();
            await (await _probeSession).SendAsync("Browser.getVersion");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _probeSession = null; // a refused or broken session says nothing about a hang; the next probe opens another
        }
    }

    public bool TryEnter(out bool budgetSpent)
    {
        lock (_gate)
        {
            budgetSpent = false;
            if (_state != State.Active || !Browser.IsConnected)
            {
                return false;
            }
            _inFlight++;
            _capturesStarted++;
            budgetSpent = _capturesStarted >= captureBudget;
            return true;
        }
    }

    public int Exit()
    {
        lock (_gate)
        {
            return --_inFlight;
        }
    }

    public bool MarkRetiring()
    {
        lock (_gate)
        {
            if (_state != State.Active) return false;
            _state = State.Retiring;
            return true;
        }
    }

    public bool MarkClosing()
    {
        lock (_gate)
        {
            if (_state is State.Closing or State.Dead) return false;
            _state = State.Closing;
            return true;
        }
    }

    /// <summary>Closing because it hung (see <see cref="BrowserHost"/>): unlike a retirement, its captures are lost with it.</summary>
    public bool MarkUnresponsive()
    {
        lock (_gate)
        {
            if (_state is State.Closing or State.Dead) return false;
            _state = State.Closing;
            _unresponsive = true;
        }
        _lost.Cancel(); // outside the lock: the captures' callbacks run here
        return true;
    }

    /// <summary>Returns true when the disconnect was unexpected (a crash or a kill), false when we closed it.</summary>
    public bool MarkDead()
    {
        bool unexpected;
        lock (_gate)
        {
            unexpected = _state is State.Active or State.Retiring;
            _state = State.Dead;
        }
        if (unexpected)
        {
            _lost.Cancel();
        }
        return unexpected;
    }
}
