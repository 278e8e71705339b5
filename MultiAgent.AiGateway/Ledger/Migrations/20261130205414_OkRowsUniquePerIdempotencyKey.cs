using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MultiAgent.AiGateway.Ledger.Migrations
{
    /// <inheritdoc />
    public partial class OkRowsUniquePerIdempotencyKey : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ux_usage_records_idempotency_key",
                table: "usage_records");

            migrationBuilder.CreateIndex(
                name: "ux_usage_records_idempotency_key",
                table: "usage_records",
                column: "idempotency_key",
                unique: true,
                filter: "idempotency_key IS NOT NULL AND outcome = 'ok'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ux_usage_records_idempotency_key",
                table: "usage_records");

            migrationBuilder.CreateIndex(
                name: "ux_usage_records_idempotency_key",
                table: "usage_records",
                column: "idempotency_key",
                unique: true,
                filter: "idempotency_key IS NOT NULL");
        }
    }
}
