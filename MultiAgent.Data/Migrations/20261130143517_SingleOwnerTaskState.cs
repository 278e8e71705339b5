using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MultiAgent.Data.Migrations
{
    /// <inheritdoc />
    public partial class SingleOwnerTaskState : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Rows written before the workflow became the single writer: fill what NOT NULL needs first.
            migrationBuilder.Sql("UPDATE tasks SET current_stage = 'initialization' WHERE current_stage IS NULL;");
            migrationBuilder.Sql("""
                UPDATE subtasks SET requirements = '{"plan_id":"","deliverable":"","priority":"medium","complexity":"moderate","focus_areas":[]}'::jsonb
                WHERE requirements IS NULL;
                """);
            migrationBuilder.Sql("UPDATE revisions SET specific_areas = '[]'::jsonb WHERE specific_areas IS NULL;");

            migrationBuilder.AlterColumn<string>(
                name: "current_stage",
                table: "tasks",
                type: "character varying(50)",
                maxLength: 50,
                nullable: false,
                defaultValue: "initialization",
                oldClrType: typeof(string),
                oldType: "character varying(50)",
                oldMaxLength: 50,
                oldNullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "budget_usd",
                table: "tasks",
                type: "numeric(12,6)",
                precision: 12,
                scale: 6,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "event_sequence",
                table: "tasks",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "selected_specialists",
                table: "tasks",
                type: "jsonb",
                nullable: false,
                defaultValueSql: "'[]'::jsonb");

            migrationBuilder.AddColumn<string>(
                name: "stopped_at_stage",
                table: "tasks",
                type: "character varying(50)",
                maxLength: 50,
                nullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "requirements",
                table: "subtasks",
                type: "jsonb",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "jsonb",
                oldNullable: true);

            migrationBuilder.AddColumn<List<string>>(
                name: "dependencies",
                table: "subtasks",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'::text[]");

            migrationBuilder.AddColumn<int>(
                name: "phase",
                table: "subtasks",
                type: "integer",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<int>(
                name: "plan_round",
                table: "subtasks",
                type: "integer",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<decimal>(
                name: "score",
                table: "subtasks",
                type: "numeric(4,2)",
                precision: 4,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "specialist_type",
                table: "subtasks",
                type: "character varying(50)",
                maxLength: 50,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "version",
                table: "subtasks",
                type: "integer",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<string>(
                name: "review",
                table: "solutions",
                type: "jsonb",
                nullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "specific_areas",
                table: "revisions",
                type: "jsonb",
                nullable: false,
                defaultValueSql: "'[]'::jsonb",
                oldClrType: typeof(string),
                oldType: "jsonb",
                oldNullable: true);

            migrationBuilder.AlterColumn<decimal>(
                name: "average_rating",
                table: "agents",
                type: "numeric(4,2)",
                precision: 4,
                scale: 2,
                nullable: true,
                oldClrType: typeof(decimal),
                oldType: "numeric(3,2)",
                oldPrecision: 3,
                oldScale: 2,
                oldNullable: true);

            migrationBuilder.AddColumn<int>(
                name: "rating_count",
                table: "agents",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            // The values the Api used to read out of subtasks.requirements / result_metadata by key name become columns.
            migrationBuilder.Sql("""
                UPDATE subtasks SET
                    phase = COALESCE((requirements->>'phase')::int, 1),
                    plan_round = COALESCE((requirements->>'plan_round')::int, 1),
                    dependencies = COALESCE(ARRAY(SELECT jsonb_array_elements_text(requirements->'dependencies')), '{}'),
                    specialist_type = COALESCE(requirements->>'specialist_type', substring(assigned_agent_id from 7), 'generalist'),
                    score = (result_metadata->>'score')::numeric(4,2),
                    version = COALESCE((SELECT max(s.version) FROM solutions s WHERE s.subtask_id = subtasks.subtask_id), 1),
                    result_metadata = NULL;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "budget_usd",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "event_sequence",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "selected_specialists",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "stopped_at_stage",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "dependencies",
                table: "subtasks");

            migrationBuilder.DropColumn(
                name: "phase",
                table: "subtasks");

            migrationBuilder.DropColumn(
                name: "plan_round",
                table: "subtasks");

            migrationBuilder.DropColumn(
                name: "score",
                table: "subtasks");

            migrationBuilder.DropColumn(
                name: "specialist_type",
                table: "subtasks");

            migrationBuilder.DropColumn(
                name: "version",
                table: "subtasks");

            migrationBuilder.DropColumn(
                name: "review",
                table: "solutions");

            migrationBuilder.DropColumn(
                name: "rating_count",
                table: "agents");

            migrationBuilder.AlterColumn<string>(
                name: "current_stage",
                table: "tasks",
                type: "character varying(50)",
                maxLength: 50,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(50)",
                oldMaxLength: 50,
                oldDefaultValue: "initialization");

            migrationBuilder.AlterColumn<string>(
                name: "requirements",
                table: "subtasks",
                type: "jsonb",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "jsonb");

            migrationBuilder.AlterColumn<string>(
                name: "specific_areas",
                table: "revisions",
                type: "jsonb",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "jsonb",
                oldDefaultValueSql: "'[]'::jsonb");

            migrationBuilder.AlterColumn<decimal>(
                name: "average_rating",
                table: "agents",
                type: "numeric(3,2)",
                precision: 3,
                scale: 2,
                nullable: true,
                oldClrType: typeof(decimal),
                oldType: "numeric(4,2)",
                oldPrecision: 4,
                oldScale: 2,
                oldNullable: true);
        }
    }
}
