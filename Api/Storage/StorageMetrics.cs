using System.Diagnostics.Metrics;

namespace Platform.Api.Storage;

/// <summary>Meter "Platform.Storage": jobs the retention loop purged.</summary>
public sealed class StorageMetrics
{
    public const string MeterName = "Platform.Storage";

    private readonly Counter<long> _purged;

    public StorageMetrics(IMeterFactory meterFactory)
    {
        _purged = meterFactory.Create(MeterName)
            .CreateCounter<long>("platform.storage.jobs_purged", "{job}", "Finished jobs deleted after their retention period.");
    }

    public void JobsPurged(int count) => _purged.Add(count);
}
