using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Api.Accounts;
using Platform.Api.Jobs;

namespace Platform.Api.Infrastructure;

// States are stored as their lower-case wire names; hand-written SQL and the index filters name them through JobStateSql.
internal sealed class JobConfiguration : IEntityTypeConfiguration<Job>
{
    public void Configure(EntityTypeBuilder<Job> job)
    {
        job.ToTable("jobs");
        job.HasKey(j => j.Id);
        job.Property(j => j.State).HasConversion(s => s.ToWire(), s => StateNames.ParseJobState(s)).HasMaxLength(16);
        job.Property(j => j.Options).HasColumnType("jsonb");
        job.Property(j => j.SourceUrl).HasMaxLength(SubmissionLimits.UrlColumnLength);
        job.Property(j => j.OwnerInstance).HasMaxLength(200);
        job.Property(j => j.TraceParent).HasMaxLength(64);
        job.Property(j => j.TargetServer).HasMaxLength(64);
        job.HasOne<PlatformUser>().WithMany().HasForeignKey(j => j.OwnerId).OnDelete(DeleteBehavior.Cascade);
        job.HasMany(j => j.Tasks).WithOne().HasForeignKey(t => t.JobId).OnDelete(DeleteBehavior.Cascade);

        // Dispatch reads each user's oldest queued job; admission, dispatch and usage count a user's running and queued
        // jobs, from an index that holds only unfinished jobs: a user's history is never read to count them.
        job.HasIndex(j => new { j.OwnerId, j.CreatedAt }, "ix_jobs_queued_by_owner").HasDatabaseName("ix_jobs_queued_by_owner").HasFilter($"state = {JobStateSql.Queued}");
        job.HasIndex(j => new { j.OwnerId, j.State }, "ix_jobs_unfinished_by_owner").HasDatabaseName("ix_jobs_unfinished_by_owner").HasFilter($"state IN {JobStateSql.Unfinished}");
        // Each dispatch round reads the target servers of queued URL jobs (to skip the full ones).
        job.HasIndex(j => j.TargetServer, "ix_jobs_queued_by_target").HasDatabaseName("ix_jobs_queued_by_target").HasFilter($"state = {JobStateSql.Queued}");
        // The rescuer looks for expired leases.
        job.HasIndex(j => j.LeaseExpiresAt, "ix_jobs_leased").HasDatabaseName("ix_jobs_leased").HasFilter($"state IN {JobStateSql.RunningSlot}");
        job.HasIndex(j => new { j.OwnerId, j.CreatedAt }, "ix_jobs_owner_recent").HasDatabaseName("ix_jobs_owner_recent").IsDescending(false, true);
    }
}

internal sealed class JobTaskConfiguration : IEntityTypeConfiguration<JobTask>
{
    public void Configure(EntityTypeBuilder<JobTask> task)
    {
        task.ToTable("tasks");
        task.HasKey(t => new { t.JobId, t.Format });
        task.Property(t => t.Format).HasMaxLength(64);
        task.Property(t => t.State).HasConversion(s => s.ToWire(), s => StateNames.ParseTaskState(s)).HasMaxLength(16);
    }
}

internal sealed class JobEventConfiguration : IEntityTypeConfiguration<JobEvent>
{
    public void Configure(EntityTypeBuilder<JobEvent> e)
    {
        e.ToTable("events");
        e.HasKey(x => new { x.JobId, x.Seq });
        e.Property(x => x.Type).HasMaxLength(32);
        e.Property(x => x.Data).HasColumnType("jsonb");
        e.HasOne<Job>().WithMany().HasForeignKey(x => x.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class JobArtifactConfiguration : IEntityTypeConfiguration<JobArtifact>
{
    public void Configure(EntityTypeBuilder<JobArtifact> a)
    {
        a.ToTable("artifacts");
        a.HasKey(x => new { x.JobId, x.Format });
        a.Property(x => x.Format).HasMaxLength(64);
        a.Property(x => x.ContentType).HasMaxLength(200);
        a.Property(x => x.Sha256).HasMaxLength(64);
        a.HasOne<Job>().WithMany().HasForeignKey(x => x.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class StorageUsageConfiguration : IEntityTypeConfiguration<StorageUsage>
{
    public void Configure(EntityTypeBuilder<StorageUsage> u)
    {
        u.ToTable("storage_usage");
        u.HasKey(x => x.OwnerId);
        u.HasOne<PlatformUser>().WithMany().HasForeignKey(x => x.OwnerId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> r)
    {
        r.ToTable("idempotency_records");
        r.HasKey(x => new { x.UserId, x.Key });
        r.Property(x => x.Key).HasMaxLength(SubmissionLimits.IdempotencyKeyColumnLength);
        r.Property(x => x.RequestHash).HasMaxLength(64);
        r.HasOne<PlatformUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        r.HasOne<Job>().WithMany().HasForeignKey(x => x.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}
