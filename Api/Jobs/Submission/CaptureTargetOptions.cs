using System.ComponentModel.DataAnnotations;
using Platform.Scraper.Contracts;

namespace Platform.Api.Jobs.Submission;

/// <summary>Section "Capture" as far as submission cares: which targets may be captured (the rules are <see cref="TargetAddresses"/>).</summary>
public sealed class CaptureTargetOptions : IValidatableObject
{
    public const string Section = "Capture";

    /// <summary>Allows URLs on loopback/private networks — for tests that capture a local fixture site, never in production.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Ports besides 80 and 443 that targets may use.</summary>
    public int[] AdditionalPorts { get; set; } = [];

    /// <summary>Non-public networks (CIDR) an operator lets captures reach, e.g. an intranet; metadata addresses never.</summary>
    public string[] AllowedNetworks { get; set; } = [];

    public TimeSpan DnsTimeout { get; set; } = TimeSpan.FromSeconds(3);

    public TargetRules ToRules() => new(AllowPrivateNetworks, AdditionalPorts, TargetRules.ParseNetworks(AllowedNetworks));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => TargetRules.Validate(AllowedNetworks, AdditionalPorts);
}
