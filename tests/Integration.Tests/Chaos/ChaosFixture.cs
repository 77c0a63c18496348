using Platform.Integration.Tests.Jobs;

namespace Platform.Integration.Tests.Chaos;

/// <summary>Its own app (2 Api replicas, Redis, PostgreSQL; 3 s leases, diagnostic jobs), so faults never reach other suites.</summary>
public sealed class ChaosFixture : JobsAppFixture;

// Its faults and invariants are timed against leases and restarts: it runs alone, like the jobs engine's collection.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChaosCollection : ICollectionFixture<ChaosFixture>
{
    public const string Name = "Chaos (2 Api replicas, faults with jobs in flight)";
}
