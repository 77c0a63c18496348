using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Jobs;
using Platform.Api.Live;

namespace Platform.Api.Tests;

internal static class TestMetrics
{
    public static IMeterFactory Factory() => new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    public static JobMetrics Jobs() => new(Factory());

    public static LiveMetrics Live() => new(Factory());
}
