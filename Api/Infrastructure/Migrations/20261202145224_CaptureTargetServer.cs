using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Api.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class CaptureTargetServer : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "target_server",
                table: "jobs",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_jobs_queued_by_target",
                table: "jobs",
                column: "target_server",
                filter: "state = 'queued'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_jobs_queued_by_target",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "target_server",
                table: "jobs");
        }
    }
}
