using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aiprod.Infrastructure.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class AuditChain : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Hash",
                table: "audit_events",
                type: "nvarchar(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "Seq",
                table: "audit_events",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "audit_checkpoints",
                columns: table => new
                {
                    Seq = table.Column<long>(type: "bigint", nullable: false),
                    HeadHash = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    Count = table.Column<long>(type: "bigint", nullable: false),
                    At = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    KeyId = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    Signature = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_checkpoints", x => x.Seq);
                });

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_ActorId_Id",
                table: "audit_events",
                columns: new[] { "ActorId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_Seq",
                table: "audit_events",
                column: "Seq",
                unique: true,
                filter: "[Seq] IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_Target_Id",
                table: "audit_events",
                columns: new[] { "Target", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_unsealed",
                table: "audit_events",
                columns: new[] { "Seq", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit_checkpoints");

            migrationBuilder.DropIndex(
                name: "IX_audit_events_ActorId_Id",
                table: "audit_events");

            migrationBuilder.DropIndex(
                name: "IX_audit_events_Seq",
                table: "audit_events");

            migrationBuilder.DropIndex(
                name: "IX_audit_events_Target_Id",
                table: "audit_events");

            migrationBuilder.DropIndex(
                name: "IX_audit_events_unsealed",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "Hash",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "Seq",
                table: "audit_events");
        }
    }
}
