namespace Platform.Api.Formats;

/// <summary>
/// The one place that answers which formats exist, what each needs and how it runs: the capture formats plus every
/// enabled <see cref="IFormatProcessor"/>. Validation, GET /api/formats and the executor all read it.
/// </summary>
public sealed class FormatRegistry
{
    private readonly Dictionary<string, FormatDescriptor> _descriptors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IFormatProcessor> _processors = new(StringComparer.Ordinal);

    public FormatRegistry(IEnumerable<IFormatProcessor> processors)
    {
        foreach (var descriptor in CaptureFormats.All)
        {
            _descriptors.Add(descriptor.Name, descriptor);
        }
        foreach (var processor in processors.Where(p => p.IsEnabled))
        {
            if (processor.Descriptor.NeedsCapture)
            {
                throw new InvalidOperationException($"Format '{processor.Descriptor.Name}': processors run on text; capture formats come from ICaptureService.");
            }
            if (!_descriptors.TryAdd(processor.Descriptor.Name, processor.Descriptor))
            {
                throw new InvalidOperationException($"Format '{processor.Descriptor.Name}' is registered twice.");
            }
            _processors.Add(processor.Descriptor.Name, processor);
        }
        All = [.. _descriptors.Values.OrderBy(d => d.NeedsCapture ? 0 : 1).ThenBy(d => d.Name, StringComparer.Ordinal)];
    }

    public IReadOnlyList<FormatDescriptor> All { get; }

    public FormatDescriptor? Find(string name) => _descriptors.GetValueOrDefault(name);

    /// <summary>The processor of a text (or input-less) format; null for capture formats and unknown names.</summary>
    public IFormatProcessor? FindProcessor(string name) => _processors.GetValueOrDefault(name);
}
