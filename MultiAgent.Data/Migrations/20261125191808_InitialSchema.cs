using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace MultiAgent.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "task_workflows",
                columns: table => new
                {
                    correlation_id = table.Column<Guid>(type: "uuid", nullable: false),
                    current_state = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    task_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    data = table.Column<string>(type: "jsonb", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_task_workflows", x => x.correlation_id);
                });

            migrationBuilder.CreateTable(
                name: "tasks",
                columns: table => new
                {
                    task_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    user_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    title = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    description = table.Column<string>(type: "text", nullable: false),
                    priority = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false, defaultValue: "medium"),
                    status = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false, defaultValue: "pending"),
                    context = table.Column<string>(type: "jsonb", nullable: true),
                    progress = table.Column<int>(type: "integer", nullable: false, defaultValue: 0),
                    current_stage = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    estimated_completion = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    completed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    error_message = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_tasks", x => x.task_id);
                });

            migrationBuilder.CreateTable(
                name: "agents",
                columns: table => new
                {
                    agent_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    agent_type = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    capabilities = table.Column<string>(type: "jsonb", nullable: false),
                    model_config = table.Column<string>(type: "jsonb", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false, defaultValue: "idle"),
                    current_task_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    total_tasks_completed = table.Column<int>(type: "integer", nullable: false, defaultValue: 0),
                    average_rating = table.Column<decimal>(type: "numeric(3,2)", precision: 3, scale: 2, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    description = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_agents", x => x.agent_id);
                    table.ForeignKey(
                        name: "FK_agents_tasks_current_task_id",
                        column: x => x.current_task_id,
                        principalTable: "tasks",
                        principalColumn: "task_id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "revisions",
                columns: table => new
                {
                    revision_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    task_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    revision_request = table.Column<string>(type: "text", nullable: false),
                    specific_areas = table.Column<string>(type: "jsonb", nullable: true),
                    priority = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false, defaultValue: "medium"),
                    status = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false, defaultValue: "pending"),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    completed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_revisions", x => x.revision_id);
                    table.ForeignKey(
                        name: "FK_revisions_tasks_task_id",
                        column: x => x.task_id,
                        principalTable: "tasks",
                        principalColumn: "task_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ai_api_usage",
                columns: table => new
                {
                    usage_id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.SerialColumn),
                    task_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    agent_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    provider = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    model = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    prompt_tokens = table.Column<int>(type: "integer", nullable: false),
                    completion_tokens = table.Column<int>(type: "integer", nullable: false),
                    total_tokens = table.Column<int>(type: "integer", nullable: false),
                    cost_usd = table.Column<decimal>(type: "numeric(10,6)", precision: 10, scale: 6, nullable: true),
                    timestamp = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ai_api_usage", x => x.usage_id);
                    table.ForeignKey(
                        name: "FK_ai_api_usage_agents_agent_id",
                        column: x => x.agent_id,
                        principalTable: "agents",
                        principalColumn: "agent_id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_ai_api_usage_tasks_task_id",
                        column: x => x.task_id,
                        principalTable: "tasks",
                        principalColumn: "task_id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "interactions",
                columns: table => new
                {
                    interaction_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    task_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    agent_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    interaction_type = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    action = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    description = table.Column<string>(type: "text", nullable: true),
                    metadata = table.Column<string>(type: "jsonb", nullable: true),
                    timestamp = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_interactions", x => x.interaction_id);
                    table.ForeignKey(
                        name: "FK_interactions_agents_agent_id",
                        column: x => x.agent_id,
                        principalTable: "agents",
                        principalColumn: "agent_id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_interactions_tasks_task_id",
                        column: x => x.task_id,
                        principalTable: "tasks",
                        principalColumn: "task_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "subtasks",
                columns: table => new
                {
                    subtask_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    task_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    parent_subtask_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    assigned_agent_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    title = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    description = table.Column<string>(type: "text", nullable: false),
                    requirements = table.Column<string>(type: "jsonb", nullable: true),
                    status = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false, defaultValue: "pending"),
                    priority = table.Column<int>(type: "integer", nullable: false, defaultValue: 0),
                    result = table.Column<string>(type: "text", nullable: true),
                    result_metadata = table.Column<string>(type: "jsonb", nullable: true),
                    acceptance_status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    manager_feedback = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    started_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    completed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_subtasks", x => x.subtask_id);
                    table.ForeignKey(
                        name: "FK_subtasks_agents_assigned_agent_id",
                        column: x => x.assigned_agent_id,
                        principalTable: "agents",
                        principalColumn: "agent_id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_subtasks_subtasks_parent_subtask_id",
                        column: x => x.parent_subtask_id,
                        principalTable: "subtasks",
                        principalColumn: "subtask_id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_subtasks_tasks_task_id",
                        column: x => x.task_id,
                        principalTable: "tasks",
                        principalColumn: "task_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "solutions",
                columns: table => new
                {
                    solution_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    task_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    subtask_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    agent_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    solution_type = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    content = table.Column<string>(type: "text", nullable: false),
                    metadata = table.Column<string>(type: "jsonb", nullable: true),
                    version = table.Column<int>(type: "integer", nullable: false, defaultValue: 1),
                    is_accepted = table.Column<bool>(type: "boolean", nullable: false, defaultValue: false),
                    acceptance_feedback = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_solutions", x => x.solution_id);
                    table.ForeignKey(
                        name: "FK_solutions_agents_agent_id",
                        column: x => x.agent_id,
                        principalTable: "agents",
                        principalColumn: "agent_id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_solutions_subtasks_subtask_id",
                        column: x => x.subtask_id,
                        principalTable: "subtasks",
                        principalColumn: "subtask_id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_solutions_tasks_task_id",
                        column: x => x.task_id,
                        principalTable: "tasks",
                        principalColumn: "task_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.InsertData(
                table: "agents",
                columns: new[] { "agent_id", "agent_type", "average_rating", "capabilities", "created_at", "current_task_id", "description", "model_config", "status", "updated_at" },
                values: new object[,]
                {
                    { "agent_analyst", "analyst", null, "[\"synthesis\",\"insight_generation\",\"recommendations\",\"reporting\"]", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc), null, "Synthesises the aggregated findings into the final answer with recommendations and confidence.", "{\"model\":\"claude-3-opus\",\"temperature\":0.4,\"max_tokens\":8000,\"role\":\"analyst\"}", "idle", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { "agent_business_analyst", "business_analyst", null, "[\"business_strategy\",\"requirements_analysis\",\"competitive_analysis\",\"process_improvement\",\"stakeholder_analysis\"]", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc), null, "Business processes, requirements, strategy and competitive positioning.", "{\"model\":\"gpt-4o-mini\",\"temperature\":0.4,\"max_tokens\":3000,\"role\":\"specialist\"}", "idle", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { "agent_coordinator", "coordinator", null, "[\"aggregation\",\"cross_referencing\",\"gap_analysis\",\"structuring\"]", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc), null, "Aggregates accepted specialist solutions into structured findings with cross-references and gaps.", "{\"model\":\"claude-3-5-sonnet\",\"temperature\":0.3,\"max_tokens\":4000,\"role\":\"coordinator\"}", "idle", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { "agent_data_researcher", "data_researcher", null, "[\"research\",\"data_collection\",\"fact_checking\",\"source_evaluation\",\"literature_review\"]", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc), null, "Finds, collects and verifies data and sources on a topic.", "{\"model\":\"gpt-4o-mini\",\"temperature\":0.4,\"max_tokens\":3000,\"role\":\"specialist\"}", "idle", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { "agent_data_scientist", "data_scientist", null, "[\"data_analysis\",\"statistics\",\"forecasting\",\"machine_learning\",\"trend_analysis\",\"data_visualization\"]", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc), null, "Statistical analysis, machine learning and quantitative forecasting.", "{\"model\":\"gpt-4o\",\"temperature\":0.3,\"max_tokens\":3000,\"role\":\"specialist\"}", "idle", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { "agent_developer", "developer", null, "[\"software_development\",\"system_design\",\"code_review\",\"technical_feasibility\",\"debugging\",\"architecture\"]", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc), null, "Software design, implementation, code review and technical feasibility.", "{\"model\":\"gpt-4o\",\"temperature\":0.2,\"max_tokens\":4000,\"role\":\"specialist\"}", "idle", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { "agent_financial_analyst", "financial_analyst", null, "[\"financial_modeling\",\"trend_analysis\",\"forecasting\",\"budgeting\",\"valuation\",\"finance\"]", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc), null, "Financial data analysis, modelling and forecasting.", "{\"model\":\"gpt-4o\",\"temperature\":0.3,\"max_tokens\":3000,\"role\":\"specialist\"}", "idle", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { "agent_generalist", "generalist", null, "[\"general_knowledge\",\"research\",\"writing\",\"analysis\",\"problem_solving\"]", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc), null, "Broad general knowledge; covers whatever the chosen specialists leave uncovered.", "{\"model\":\"gpt-4o-mini\",\"temperature\":0.5,\"max_tokens\":3000,\"role\":\"specialist\"}", "idle", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { "agent_legal_advisor", "legal_advisor", null, "[\"legal_analysis\",\"regulatory_compliance\",\"contracts\",\"risk_assessment\",\"intellectual_property\"]", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc), null, "Regulation, contracts, compliance and legal risk.", "{\"model\":\"gpt-4o\",\"temperature\":0.2,\"max_tokens\":3000,\"role\":\"specialist\"}", "idle", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { "agent_manager", "manager", null, "[\"task_analysis\",\"specialist_selection\",\"decomposition\",\"review\",\"quality_assurance\"]", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc), null, "Coordinates task execution: analyses the task, selects specialists, decomposes it and reviews every solution.", "{\"model\":\"gpt-4o\",\"temperature\":0.2,\"max_tokens\":2000,\"role\":\"manager\"}", "idle", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { "agent_market_researcher", "market_researcher", null, "[\"market_knowledge\",\"market_analysis\",\"competitive_analysis\",\"customer_segmentation\",\"trend_analysis\"]", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc), null, "Market sizing, competitors, customers and industry trends.", "{\"model\":\"gpt-4o-mini\",\"temperature\":0.4,\"max_tokens\":3000,\"role\":\"specialist\"}", "idle", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { "agent_marketing_specialist", "marketing_specialist", null, "[\"marketing_strategy\",\"channel_strategy\",\"branding\",\"content_strategy\",\"customer_segmentation\"]", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc), null, "Marketing strategy, channels, messaging and campaigns.", "{\"model\":\"gpt-4o-mini\",\"temperature\":0.6,\"max_tokens\":3000,\"role\":\"specialist\"}", "idle", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { "agent_security_expert", "security_expert", null, "[\"security_analysis\",\"threat_modeling\",\"compliance\",\"risk_assessment\",\"privacy\"]", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc), null, "Threat modelling, security review and compliance controls.", "{\"model\":\"gpt-4o\",\"temperature\":0.2,\"max_tokens\":3000,\"role\":\"specialist\"}", "idle", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { "agent_technical_writer", "technical_writer", null, "[\"documentation\",\"writing\",\"editing\",\"summarization\",\"communication\"]", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc), null, "Clear documentation, explanations and structured reports.", "{\"model\":\"gpt-4o-mini\",\"temperature\":0.5,\"max_tokens\":3000,\"role\":\"specialist\"}", "idle", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { "agent_ux_designer", "ux_designer", null, "[\"user_research\",\"ux_design\",\"usability\",\"accessibility\",\"prototyping\"]", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc), null, "User research, experience design and usability.", "{\"model\":\"gpt-4o-mini\",\"temperature\":0.6,\"max_tokens\":3000,\"role\":\"specialist\"}", "idle", new DateTime(2026, 11, 25, 0, 0, 0, 0, DateTimeKind.Utc) }
                });

            migrationBuilder.CreateIndex(
                name: "idx_agents_agent_type",
                table: "agents",
                column: "agent_type");

            migrationBuilder.CreateIndex(
                name: "idx_agents_current_task",
                table: "agents",
                column: "current_task_id");

            migrationBuilder.CreateIndex(
                name: "idx_agents_status",
                table: "agents",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "idx_ai_api_usage_agent_id",
                table: "ai_api_usage",
                column: "agent_id");

            migrationBuilder.CreateIndex(
                name: "idx_ai_api_usage_provider",
                table: "ai_api_usage",
                column: "provider");

            migrationBuilder.CreateIndex(
                name: "idx_ai_api_usage_task_id",
                table: "ai_api_usage",
                column: "task_id");

            migrationBuilder.CreateIndex(
                name: "idx_ai_api_usage_timestamp",
                table: "ai_api_usage",
                column: "timestamp");

            migrationBuilder.CreateIndex(
                name: "idx_interactions_agent_id",
                table: "interactions",
                column: "agent_id");

            migrationBuilder.CreateIndex(
                name: "idx_interactions_interaction_type",
                table: "interactions",
                column: "interaction_type");

            migrationBuilder.CreateIndex(
                name: "idx_interactions_task_id",
                table: "interactions",
                column: "task_id");

            migrationBuilder.CreateIndex(
                name: "idx_interactions_timestamp",
                table: "interactions",
                column: "timestamp");

            migrationBuilder.CreateIndex(
                name: "idx_revisions_status",
                table: "revisions",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "idx_revisions_task_id",
                table: "revisions",
                column: "task_id");

            migrationBuilder.CreateIndex(
                name: "idx_solutions_agent_id",
                table: "solutions",
                column: "agent_id");

            migrationBuilder.CreateIndex(
                name: "idx_solutions_is_accepted",
                table: "solutions",
                column: "is_accepted");

            migrationBuilder.CreateIndex(
                name: "idx_solutions_solution_type",
                table: "solutions",
                column: "solution_type");

            migrationBuilder.CreateIndex(
                name: "idx_solutions_subtask_id",
                table: "solutions",
                column: "subtask_id");

            migrationBuilder.CreateIndex(
                name: "idx_solutions_task_id",
                table: "solutions",
                column: "task_id");

            migrationBuilder.CreateIndex(
                name: "idx_subtasks_assigned_agent",
                table: "subtasks",
                column: "assigned_agent_id");

            migrationBuilder.CreateIndex(
                name: "idx_subtasks_parent",
                table: "subtasks",
                column: "parent_subtask_id");

            migrationBuilder.CreateIndex(
                name: "idx_subtasks_status",
                table: "subtasks",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "idx_subtasks_task_id",
                table: "subtasks",
                column: "task_id");

            migrationBuilder.CreateIndex(
                name: "idx_task_workflows_current_state",
                table: "task_workflows",
                column: "current_state");

            migrationBuilder.CreateIndex(
                name: "idx_task_workflows_task_id",
                table: "task_workflows",
                column: "task_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "idx_tasks_created_at",
                table: "tasks",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "idx_tasks_priority",
                table: "tasks",
                column: "priority");

            migrationBuilder.CreateIndex(
                name: "idx_tasks_status",
                table: "tasks",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "idx_tasks_user_id",
                table: "tasks",
                column: "user_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ai_api_usage");

            migrationBuilder.DropTable(
                name: "interactions");

            migrationBuilder.DropTable(
                name: "revisions");

            migrationBuilder.DropTable(
                name: "solutions");

            migrationBuilder.DropTable(
                name: "task_workflows");

            migrationBuilder.DropTable(
                name: "subtasks");

            migrationBuilder.DropTable(
                name: "agents");

            migrationBuilder.DropTable(
                name: "tasks");
        }
    }
}
