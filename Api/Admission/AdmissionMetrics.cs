using System.Diagnostics.Metrics;

namespace Platform.Api.Admission;

/// <summary>Meter "Platform.Admission": requests for new work refused under pressure, by reason (memory, cpu).</summary>
public sealed class AdmissionMetrics
{
    public const string MeterName = "Platform.Admission";

    private readonly Counter<long> _refused;

    public AdmissionMetrics(IMeterFactory meterFactory)
    {
        _refused = meterFactory.Create(MeterName).CreateCounter<long>("platform.admission.refused", "{request}",
            "Requests for new work refused because the replica was under memory or CPU pressure.");
    }

    public void Refused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
