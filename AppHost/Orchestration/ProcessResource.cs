namespace Platform.AppHost.Orchestration;

/// <summary>
/// A supervised child process (a service replica, Redis, PostgreSQL). Owner: the <see cref="DistributedApp"/>.
/// One supervisor loop per resource watches the current process and, when it exits unexpectedly, cleans up what it
/// left and starts it again with exponential backoff (metric <c>platform.apphost.restarts</c>). The loop is cancelled
/// by stop/restart, which are serialised by <see cref="_lifecycle"/>.
/// </summary>
internal sealed class ProcessResource : Resource
{
    private readonly ProcessSpec _spec;
    private readonly string _tag;
    private readonly SupervisionSettings _settings;
    private readonly ResourceLog _appLog;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly TaskCompletionSource _firstCrash = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource _supervisorStop = new();
    private Task _supervisor = Task.CompletedTask;
    private volatile ChildProcess? _current;

    public ProcessResource(string name, ProcessSpec spec, string appTag, SupervisionSettings settings, ResourceLog log, ResourceLog appLog)
        : base(name, log)
    {
        _spec = spec;
        _tag = $"{appTag}/{name}";
        _settings = settings;
        _appLog = appLog;
    }

    public override Uri? Url => _spec.Url;

    public override int? Pid => _current is { HasExited: false } child ? child.Pid : null;

    /// <summary>Completes the first time the process exits unexpectedly, so start-up can fail fast instead of timing out.</summary>
    internal Task FirstCrash => _firstCrash.Task;

    /// <summary>The last exit code, for messages.</summary>
    internal int? LastExitCode { get; private set; }

    public async Task StartAsync(CancellationToken ct)
    {
        await _lifecycle.WaitAsync(ct);
        try
        {
            await StartCoreAsync();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async Task StopAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            await StopCoreAsync();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public override async Task KillAsync(CancellationToken ct = default)
    {
        var child = RunningProcess();
        // Before the signal, so the gateway stops routing here before requests can fail.
        SetState(ResourceState.Restarting);
        Posix.Signal(child.Pid, Posix.SIGKILL);
        await child.Exited.WaitAsync(ct);
    }

    public override Task PauseAsync(CancellationToken ct = default)
    {
        var child = RunningProcess();
        SetState(ResourceState.Paused);
        ProcessTree.Signal(ProcessTree.Members(tag => tag == _tag, [child.Pid]), Posix.SIGSTOP);
        _appLog.Write($"{Name} paused (SIGSTOP)");
        return Task.CompletedTask;
    }

    public override Task ResumeAsync(CancellationToken ct = default)
    {
        var child = RunningProcess();
        ProcessTree.Signal(ProcessTree.Members(tag => tag == _tag, [child.Pid]), Posix.SIGCONT);
        _appLog.Write($"{Name} resumed (SIGCONT)");
        if (TrySetState(ResourceState.Paused, ResourceState.Starting))
        {
            _ = ReportWhenHealthyAsync(child, _supervisorStop.Token);
        }
        return Task.CompletedTask;
    }

    public override async Task RestartAsync(CancellationToken ct = default)
    {
        await _lifecycle.WaitAsync(ct);
        try
        {
            _appLog.Write($"{Name} restarting on request");
            await StopCoreAsync();
            IncrementRestartCount();
            await StartCoreAsync();
        }
        finally
        {
            _lifecycle.Release();
        }
        await WaitHealthyAsync(ct);
    }

    public override async Task WaitHealthyAsync(CancellationToken ct = default)
    {
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var child = _current;
            if (child is { HasExited: false } && State is ResourceState.Starting or ResourceState.Healthy && await _spec.Probe(ct))
            {
                // Re-check: a kill or pause while the probe ran wins over its result.
                if (ReferenceEquals(child, _current) && (MarkHealthy(child) || State == ResourceState.Healthy))
                {
                    return;
                }
            }
            await Task.Delay(200, ct);
        }
    }

    private ChildProcess RunningProcess() =>
        _current is { HasExited: false } child ? child : throw new InvalidOperationException($"{Name} is not running ({State}).");

    private async Task StartCoreAsync()
    {
        var child = await LaunchAsync(); // a process that cannot even start (missing file) fails here, not in the loop
        _supervisorStop = new CancellationTokenSource();
        _supervisor = SuperviseAsync(child, _supervisorStop.Token);
    }

    private async Task<ChildProcess> LaunchAsync()
    {
        SetState(ResourceState.Starting);
        var child = await ChildProcess.StartAsync(_spec, _tag, Log);
        _current = child;
        return child;
    }

    private async Task SuperviseAsync(ChildProcess child, CancellationToken stop)
    {
        var backoff = _settings.RestartBackoff;
        while (true)
        {
            _ = ReportWhenHealthyAsync(child, stop);
            int exitCode;
            try
            {
                exitCode = await child.Exited.WaitAsync(stop);
            }
            catch (OperationCanceledException)
            {
                return; // StopCoreAsync takes over the running process
            }

            var lived = DateTime.UtcNow - child.StartedAt;
            LastExitCode = exitCode;
            SetState(ResourceState.Restarting);
            _firstCrash.TrySetResult();
            await KillLeftoversAsync();
            var restart = IncrementRestartCount();
            AppHostMetrics.Restarts.Add(1, new KeyValuePair<string, object?>("resource", Name));
            if (lived > _settings.StableAfter)
            {
                backoff = _settings.RestartBackoff;
            }

            while (true)
            {
                _appLog.Write($"{Name} exited with code {exitCode} after {lived.TotalSeconds:0.0} s; restarting in {backoff.TotalSeconds:0.0} s (restart #{restart})");
                try
                {
                    await Task.Delay(backoff, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _settings.MaxRestartBackoff.Ticks));
                try
                {
                    child = await LaunchAsync();
                    break;
                }
                catch (Exception e)
                {
                    _appLog.Write($"{Name} could not be started: {e.Message}");
                }
            }
        }
    }

    /// <summary>Marks the resource healthy once a check passes (the gateway routes to it only then).</summary>
    private async Task ReportWhenHealthyAsync(ChildProcess child, CancellationToken stop)
    {
        try
        {
            while (!child.HasExited && ReferenceEquals(child, _current) && State == ResourceState.Starting)
            {
                if (await _spec.Probe(stop) && ReferenceEquals(child, _current) && MarkHealthy(child))
                {
                    return;
                }
                await Task.Delay(200, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private bool MarkHealthy(ChildProcess child)
    {
        if (!TrySetState(ResourceState.Starting, ResourceState.Healthy))
        {
            return false;
        }
        _appLog.Write($"{Name} healthy after {(DateTime.UtcNow - child.StartedAt).TotalSeconds:0.0} s (pid {child.Pid})");
        return true;
    }

    private async Task StopCoreAsync()
    {
        await _supervisorStop.CancelAsync();
        await _supervisor;
        var child = _current;
        if (child is null)
        {
            SetState(ResourceState.Stopped);
            return;
        }

        SetState(ResourceState.Stopping);
        // Capture the tree while the parent chain is intact: once the parent exits its children are re-parented.
        var tree = ProcessTree.Members(tag => tag == _tag, [child.Pid]);
        if (!child.HasExited)
        {
            Posix.Signal(child.Pid, _spec.StopSignal);
            ProcessTree.Signal(tree, Posix.SIGCONT); // a paused tree could not act on the stop signal
            var stopped = await Task.WhenAny(child.Exited, Task.Delay(_settings.StopTimeout)) == child.Exited;
            if (!stopped)
            {
                _appLog.Write($"{Name} did not stop within {_settings.StopTimeout.TotalSeconds:0} s of {Posix.SignalName(_spec.StopSignal)}; sending SIGKILL");
                Posix.Signal(child.Pid, Posix.SIGKILL);
                await child.Exited.WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        await ProcessTree.KillAllAsync(
            () => [.. ProcessTree.Members(tag => tag == _tag).Concat(tree.Where(ProcessTree.IsStillRunning)).DistinctBy(p => p.Pid)],
            TimeSpan.FromSeconds(10));
        child.Dispose();
        _current = null;
        SetState(ResourceState.Stopped);
    }

    /// <summary>After a crash: Chromium, Playwright's driver or PostgreSQL backends may outlive the process that started them.</summary>
    private async Task KillLeftoversAsync()
    {
        try
        {
            var killed = await ProcessTree.KillAllAsync(() => ProcessTree.Members(tag => tag == _tag), TimeSpan.FromSeconds(10));
            if (killed > 0)
            {
                _appLog.Write($"{Name}: killed {killed} process(es) it left behind");
            }
        }
        catch (InvalidOperationException e)
        {
            _appLog.Write($"{Name}: {e.Message}");
        }
    }
}

internal sealed record SupervisionSettings(TimeSpan RestartBackoff, TimeSpan MaxRestartBackoff, TimeSpan StableAfter, TimeSpan StopTimeout);
