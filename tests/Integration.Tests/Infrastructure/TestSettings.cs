// Each collection starts real processes (four .NET services, two Chromiums, PostgreSQL); on a small machine two such
// topologies starting side by side only make each other time out. Collections run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
