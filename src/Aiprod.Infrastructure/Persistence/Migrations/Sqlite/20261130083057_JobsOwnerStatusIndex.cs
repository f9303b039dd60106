using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aiprod.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class JobsOwnerStatusIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_pipeline_jobs_OwnerId_Status",
                table: "pipeline_jobs",
                columns: new[] { "OwnerId", "Status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_pipeline_jobs_OwnerId_Status",
                table: "pipeline_jobs");
        }
    }
}
