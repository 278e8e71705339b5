using MultiAgent.Data.Entities;

namespace MultiAgent.Data;

/// <summary>The agent types the platform ships with: one registry row per type, seeded by the first migration.</summary>
public static class AgentRegistry
{
    public sealed record AgentDefinition(string Type, string Role, string Description, string[] Capabilities, string Model, double Temperature, int MaxTokens);

    public const string RoleManager = "manager";
    public const string RoleCoordinator = "coordinator";
    public const string RoleAnalyst = "analyst";
    public const string RoleSpecialist = "specialist";

    /// <summary>The specialist used when selected specialists leave a required capability uncovered.</summary>
    public const string GeneralistType = "generalist";

    public static readonly IReadOnlyList<AgentDefinition> Definitions =
    [
        new("manager", RoleManager, "Coordinates task execution: analyses the task, selects specialists, decomposes it and reviews every solution.",
            ["task_analysis", "specialist_selection", "decomposition", "review", "quality_assurance"], "gpt-4o", 0.2, 2000),
        new("coordinator", RoleCoordinator, "Aggregates accepted specialist solutions into structured findings with cross-references and gaps.",
            ["aggregation", "cross_referencing", "gap_analysis", "structuring"], "claude-3-5-sonnet", 0.3, 4000),
        new("analyst", RoleAnalyst, "Synthesises the aggregated findings into the final answer with recommendations and confidence.",
            ["synthesis", "insight_generation", "recommendations", "reporting"], "claude-3-opus", 0.4, 8000),
        new("financial_analyst", RoleSpecialist, "Financial data analysis, modelling and forecasting.",
            ["financial_modeling", "trend_analysis", "forecasting", "budgeting", "valuation", "finance"], "gpt-4o", 0.3, 3000),
        new("data_researcher", RoleSpecialist, "Finds, collects and verifies data and sources on a topic.",
            ["research", "data_collection", "fact_checking", "source_evaluation", "literature_review"], "gpt-4o-mini", 0.4, 3000),
        new("data_scientist", RoleSpecialist, "Statistical analysis, machine learning and quantitative forecasting.",
            ["data_analysis", "statistics", "forecasting", "machine_learning", "trend_analysis", "data_visualization"], "gpt-4o", 0.3, 3000),
        new("market_researcher", RoleSpecialist, "Market sizing, competitors, customers and industry trends.",
            ["market_knowledge", "market_analysis", "competitive_analysis", "customer_segmentation", "trend_analysis"], "gpt-4o-mini", 0.4, 3000),
        new("business_analyst", RoleSpecialist, "Business processes, requirements, strategy and competitive positioning.",
            ["business_strategy", "requirements_analysis", "competitive_analysis", "process_improvement", "stakeholder_analysis"], "gpt-4o-mini", 0.4, 3000),
        new("marketing_specialist", RoleSpecialist, "Marketing strategy, channels, messaging and campaigns.",
            ["marketing_strategy", "channel_strategy", "branding", "content_strategy", "customer_segmentation"], "gpt-4o-mini", 0.6, 3000),
        new("developer", RoleSpecialist, "Software design, implementation, code review and technical feasibility.",
            ["software_development", "system_design", "code_review", "technical_feasibility", "debugging", "architecture"], "gpt-4o", 0.2, 4000),
        new("security_expert", RoleSpecialist, "Threat modelling, security review and compliance controls.",
            ["security_analysis", "threat_modeling", "compliance", "risk_assessment", "privacy"], "gpt-4o", 0.2, 3000),
        new("legal_advisor", RoleSpecialist, "Regulation, contracts, compliance and legal risk.",
            ["legal_analysis", "regulatory_compliance", "contracts", "risk_assessment", "intellectual_property"], "gpt-4o", 0.2, 3000),
        new("technical_writer", RoleSpecialist, "Clear documentation, explanations and structured reports.",
            ["documentation", "writing", "editing", "summarization", "communication"], "gpt-4o-mini", 0.5, 3000),
        new("ux_designer", RoleSpecialist, "User research, experience design and usability.",
            ["user_research", "ux_design", "usability", "accessibility", "prototyping"], "gpt-4o-mini", 0.6, 3000),
        new(GeneralistType, RoleSpecialist, "Broad general knowledge; covers whatever the chosen specialists leave uncovered.",
            ["general_knowledge", "research", "writing", "analysis", "problem_solving"], "gpt-4o-mini", 0.5, 3000),
    ];

    public static AgentDefinition? Find(string type) => Definitions.FirstOrDefault(d => d.Type == type);

    public static IEnumerable<AgentDefinition> Specialists => Definitions.Where(d => d.Role == RoleSpecialist);

    /// <summary>Every capability a specialist type has: the words the manager's analysis must use, so they can be matched.</summary>
    public static readonly IReadOnlyList<string> CapabilityVocabulary =
        [.. Definitions.Where(d => d.Role == RoleSpecialist).SelectMany(d => d.Capabilities).Distinct().Order(StringComparer.Ordinal)];

    internal static IEnumerable<AgentEntity> SeedRows()
    {
        var seededAt = new DateTime(2026, 11, 25, 0, 0, 0, DateTimeKind.Utc);
        return Definitions.Select(d => new AgentEntity
        {
            AgentId = "agent_" + d.Type,
            AgentType = d.Type,
            Description = d.Description,
            Capabilities = [.. d.Capabilities],
            ModelConfig = new AgentModelConfig(d.Model, d.Temperature, d.MaxTokens, d.Role),
            Status = "idle",
            CreatedAt = seededAt,
            UpdatedAt = seededAt,
        });
    }
}
