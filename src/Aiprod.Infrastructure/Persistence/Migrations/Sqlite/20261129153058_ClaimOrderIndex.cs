using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aiprod.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ClaimOrderIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_pipeline_jobs_Status_Priority_CreatedAt",
                table: "pipeline_jobs");

            migrationBuilder.CreateIndex(
                name: "IX_pipeline_jobs_Status_Priority_CreatedAt",
                table: "pipeline_jobs",
                columns: new[] { "Status", "Priority", "CreatedAt" },
                descending: new[] { false, true, false });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_pipeline_jobs_Status_Priority_CreatedAt",
                table: "pipeline_jobs");

            migrationBuilder.CreateIndex(
                name: "IX_pipeline_jobs_Status_Priority_CreatedAt",
                table: "pipeline_jobs",
                columns: new[] { "Status", "Priority", "CreatedAt" });
        }
    }
}
