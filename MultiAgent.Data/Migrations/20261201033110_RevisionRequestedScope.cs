using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MultiAgent.Data.Migrations
{
    /// <inheritdoc />
    public partial class RevisionRequestedScope : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "requested_scope",
                table: "revisions",
                type: "character varying(30)",
                maxLength: 30,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "subtask_ids",
                table: "revisions",
                type: "jsonb",
                nullable: false,
                defaultValueSql: "'[]'::jsonb");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "requested_scope",
                table: "revisions");

            migrationBuilder.DropColumn(
                name: "subtask_ids",
                table: "revisions");
        }
    }
}
