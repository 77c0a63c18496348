using Platform.Integration.Tests.Infrastructure;

// Collections run two at a time (2 cores): most of a collection's time is waiting — for a topology to start, a lease to
// lapse, a replica to restart — so a second one fits beside it. The collections whose tests time leases, keep-alives and
// crashes against the clock (jobs engine, live, chromium crash) set DisableParallelization and run alone, after the rest.
[assembly: CollectionBehavior(MaxParallelThreads = 2)]
[assembly: AssemblyFixture(typeof(NoAppProcessLeft))]
