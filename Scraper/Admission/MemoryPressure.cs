using Microsoft.Extensions.Options;
using Platform.ServiceDefaults;
using Platform.Scraper.Pages;

namespace Platform.Scraper.Admission;

/// <summary>
/// How full this replica's memory is (<see cref="MemoryUsage"/>, read at most twice a second). Admission refuses
/// captures above the configured share.
/// </summary>
public sealed class MemoryPressure(IOptionsMonitor<PagePoolOptions> options, TimeProvider time)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMilliseconds(500);
    private readonly Lock _gate = new();
    private MemoryReading _last = new(0, 1);
    private long _readAt = long.MinValue;

    public bool IsUnderPressure(out MemoryReading reading)
    {
        reading = Read();
        return reading.Ratio >= options.CurrentValue.MemoryPressureRatio;
    }

    public MemoryReading Read()
    {
        lock (_gate)
        {
            // Admission runs per request; re-reading /proc and cgroupfs at most twice a second is plenty.
            if (time.GetElapsedTime(_readAt) > CacheFor || _readAt == long.MinValue)
            {
                _last = ReadNow();
                _readAt = time.GetTimestamp();
            }
            return _last;
        }
    }

    public static MemoryReading ReadNow() => MemoryUsage.Read();
}
