using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aiprod.Infrastructure.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class WebhookDeliveryEndedAtIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_webhook_deliveries_EndedAt",
                table: "webhook_deliveries",
                column: "EndedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_webhook_deliveries_EndedAt",
                table: "webhook_deliveries");
        }
    }
}
