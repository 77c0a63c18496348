using Microsoft.Extensions.Options;
using Platform.ServiceDefaults;

namespace Platform.Api.Admission;

/// <summary>
/// Whether this replica is too short of memory or CPU to take new work (cgroup-aware readings from ServiceDefaults, read
/// at most twice a second). One per replica; <see cref="AdmissionMetrics"/> counts refusals by reason.
/// </summary>
public sealed class ReplicaPressure
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMilliseconds(500);

    private readonly IOptionsMonitor<AdmissionOptions> _options;
    private readonly TimeProvider _time;
    private readonly AdmissionMetrics _metrics;
    private readonly Lock _gate = new();
    private (MemoryReading Memory, double? Cpu) _last;
    private long _readAt = long.MinValue;

    public ReplicaPressure(IOptionsMonitor<AdmissionOptions> options, TimeProvider time, AdmissionMetrics metrics)
    {
        _options = options;
        _time = time;
        _metrics = metrics;
    }

    /// <summary>Null when new work may be admitted; otherwise why not, in a sentence.</summary>
    public string? Refusal()
    {
        var options = _options.CurrentValue;
        var (memory, cpu) = Read();
        if (memory.Ratio >= options.MemoryPressureRatio)
        {
            _metrics.Refused("memory");
            return $"This replica is using {memory.Ratio:P0} of its memory ({memory.UsedBytes / (1024 * 1024)} of {memory.LimitBytes / (1024 * 1024)} MiB).";
        }
        if (options.CpuPressureRatio is { } cpuLimit && cpu >= cpuLimit)
        {
            _metrics.Refused("cpu");
            return $"This replica's tasks waited for a CPU {cpu:P0} of the last minute.";
        }
        return null;
    }

    private (MemoryReading, double?) Read()
    {
        lock (_gate)
        {
            if (_readAt == long.MinValue || _time.GetElapsedTime(_readAt) > CacheFor)
            {
                _last = (MemoryUsage.Read(), CpuPressure.ReadShareOfLastMinute());
                _readAt = _time.GetTimestamp();
            }
            return _last;
        }
    }
}
