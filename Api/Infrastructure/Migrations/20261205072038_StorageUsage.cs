using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Api.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class StorageUsage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_jobs_owner_id_state",
                table: "jobs");

            migrationBuilder.CreateTable(
                name: "storage_usage",
                columns: table => new
                {
                    owner_id = table.Column<string>(type: "text", nullable: false),
                    bytes = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_storage_usage", x => x.owner_id);
                    table.ForeignKey(
                        name: "fk_storage_usage_users_owner_id",
                        column: x => x.owner_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_jobs_unfinished_by_owner",
                table: "jobs",
                columns: new[] { "owner_id", "state" },
                filter: "state IN ('queued', 'running', 'cancelling')");

            // The database keeps each user's stored bytes as results come and go, whichever statement moves them: a
            // result stored or replaced (FencedJobWriter), removed for a rerun (JobTransitions), a job deleted by its
            // user (JobCommands), purged after retention, or with its account (each a cascade from jobs).
            migrationBuilder.Sql(
                """
                CREATE FUNCTION storage_usage_add(owner text, delta bigint) RETURNS void LANGUAGE sql AS $$
                    INSERT INTO storage_usage (owner_id, bytes) VALUES (owner, delta)
                    ON CONFLICT (owner_id) DO UPDATE SET bytes = storage_usage.bytes + excluded.bytes;
                $$;

                -- A result stored, replaced or removed while its job stays. Removed with its job (a cascade), the job's
                -- row is already gone here and the job's own trigger below has counted the removal.
                CREATE FUNCTION storage_usage_on_artifact() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    job uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.job_id ELSE NEW.job_id END;
                    delta bigint := CASE TG_OP WHEN 'INSERT' THEN NEW.size WHEN 'UPDATE' THEN NEW.size - OLD.size ELSE -OLD.size END;
                    owner text;
                BEGIN
                    IF delta <> 0 THEN
                        SELECT owner_id INTO owner FROM jobs WHERE id = job;
                        IF owner IS NOT NULL THEN
                            PERFORM storage_usage_add(owner, delta);
                        END IF;
                    END IF;
                    RETURN NULL;
                END $$;

                CREATE TRIGGER artifacts_storage_usage AFTER INSERT OR UPDATE OF size OR DELETE ON artifacts
                    FOR EACH ROW EXECUTE FUNCTION storage_usage_on_artifact();

                -- A job deleted: its results go with it (ON DELETE CASCADE), counted here while they are still there.
                CREATE FUNCTION storage_usage_on_job_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE storage_usage SET bytes = bytes - (SELECT coalesce(sum(size), 0) FROM artifacts WHERE job_id = OLD.id)
                    WHERE owner_id = OLD.owner_id;
                    RETURN OLD;
                END $$;

                CREATE TRIGGER jobs_storage_usage BEFORE DELETE ON jobs
                    FOR EACH ROW EXECUTE FUNCTION storage_usage_on_job_deleted();

                INSERT INTO storage_usage (owner_id, bytes)
                SELECT j.owner_id, sum(a.size) FROM artifacts a JOIN jobs j ON j.id = a.job_id GROUP BY j.owner_id;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                """
                DROP TRIGGER jobs_storage_usage ON jobs;
                DROP TRIGGER artifacts_storage_usage ON artifacts;
                DROP FUNCTION storage_usage_on_job_deleted();
                DROP FUNCTION storage_usage_on_artifact();
                DROP FUNCTION storage_usage_add(text, bigint);
                """);

            migrationBuilder.DropTable(
                name: "storage_usage");

            migrationBuilder.DropIndex(
                name: "ix_jobs_unfinished_by_owner",
                table: "jobs");

            migrationBuilder.CreateIndex(
                name: "ix_jobs_owner_id_state",
                table: "jobs",
                columns: new[] { "owner_id", "state" });
        }
    }
}
