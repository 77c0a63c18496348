using System.ComponentModel.DataAnnotations;

namespace Platform.Api.Admission;

/// <summary>Section "Admission": when this Api replica refuses new work because it is short of memory or CPU (DESIGN "Limits").</summary>
public sealed class AdmissionOptions
{
    public const string Section = "Admission";

    /// <summary>Share of the memory limit (the cgroup's, else the machine's) in use at which new work is refused.</summary>
    [Range(0.0, 1.0)] public double MemoryPressureRatio { get; set; } = 0.90;

    /// <summary>
    /// Share of the last minute in which tasks waited for a CPU (PSI "some avg60") at which new work is refused; unset
    /// leaves CPU out, because on hosts shared by several services it is often high while each one still keeps up.
    /// </summary>
    [Range(0.0, 1.0)] public double? CpuPressureRatio { get; set; }

    /// <summary>Retry-After on the 503.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")] public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(10);
}
