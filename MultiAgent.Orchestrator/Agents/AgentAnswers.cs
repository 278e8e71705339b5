using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using MultiAgent.Orchestrator.Agents.Manager;

namespace MultiAgent.Orchestrator.Agents;

// The records each agent's answer must fit. Their JSON schemas (snake_case) are derived from these types and sent
// with every request; the answers are parsed back into them and checked before use.

[Description("The manager's analysis of a task.")]
public sealed record TaskAnalysisAnswer(
    [property: Description("The task's main domain, e.g. finance, software, marketing.")] string Domain,
    [property: Description("Two or three sentences on what the task asks for.")] string Summary,
    [property: Description("Capabilities needed to solve the task, as snake_case names such as trend_analysis or forecasting.")] IReadOnlyList<string> RequiredCapabilities,
    Complexity Complexity,
    [property: Description("Constraints and requirements stated or implied by the task.")] IReadOnlyList<string> Constraints,
    [property: Description("Keywords and domain indicators found in the task.")] IReadOnlyList<string> Keywords);

public sealed record SpecialistProposal(
    [property: Description("A specialist type from the registry.")] string Type,
    [property: Range(0, 1), Description("How relevant this specialist is to the task, from 0 to 1.")] double RelevanceScore,
    [property: Description("Why this specialist is needed.")] string Rationale,
    [property: Description("high, medium or low.")] string Priority,
    [property: Description("The aspects this specialist will handle.")] IReadOnlyList<string> FocusAreas);

[Description("The manager's recommended specialists.")]
public sealed record SpecialistSelectionAnswer(IReadOnlyList<SpecialistProposal> Specialists);

public sealed record PlannedSubtask(
    [property: Description("A short unique id for this subtask within the plan, e.g. st1.")] string SubtaskId,
    string Title,
    [property: Description("Detailed description of the work.")] string Description,
    [property: Description("The selected specialist type that will do this subtask.")] string AssignedSpecialist,
    [property: Description("The expected output.")] string Deliverable,
    [property: Description("subtask_id values of subtasks that must finish first.")] IReadOnlyList<string> Dependencies,
    [property: Description("high, medium or low.")] string Priority,
    Complexity Complexity,
    [property: Description("The subtask_id of the larger subtask this one breaks down, or null for a top-level subtask.")] string? ParentSubtaskId);

[Description("The manager's decomposition of a task into subtasks with dependencies.")]
public sealed record DecompositionAnswer([property: MinLength(2), MaxLength(8)] IReadOnlyList<PlannedSubtask> Subtasks);

[Description("A specialist's solution to one subtask.")]
public sealed record SpecialistAnswer(
    [property: Description("The full solution to the subtask, in markdown.")] string Content,
    IReadOnlyList<string> KeyFindings,
    [property: Range(0, 1)] double Confidence,
    [property: Description("Sources, data or reasoning the solution relies on.")] IReadOnlyList<string> Sources,
    string Reasoning);

public sealed record ReviewScores(
    [property: Range(0, 10)] double Completeness,
    [property: Range(0, 10)] double Accuracy,
    [property: Range(0, 10)] double Relevance,
    [property: Range(0, 10)] double Quality);

[Description("The manager's review of a specialist's solution.")]
public sealed record SolutionReviewAnswer(
    ReviewScores Scores,
    IReadOnlyList<string> Strengths,
    IReadOnlyList<string> Weaknesses,
    [property: Description("ACCEPT, NEEDS_REVISION or REJECT.")] string Recommendation,
    string Feedback,
    [property: Description("Specific improvements the specialist must make.")] IReadOnlyList<string> RevisionRequests);

public enum Relationship
{
    Supports,
    Contradicts,
    Complements,
}

public sealed record Finding(
    string Theme,
    IReadOnlyList<string> KeyPoints,
    [property: Description("Specialist types the points come from.")] IReadOnlyList<string> Sources,
    [property: Range(0, 1)] double Confidence);

public sealed record CrossReference(string FindingA, string FindingB, Relationship Relationship);

[Description("The coordinator's structured aggregation of the accepted solutions.")]
public sealed record AggregationAnswer(
    [property: MinLength(1)] IReadOnlyList<Finding> StructuredFindings,
    IReadOnlyList<CrossReference> CrossReferences,
    IReadOnlyList<string> IdentifiedGaps,
    IReadOnlyList<string> Inconsistencies);

public sealed record ReportSection(string Heading, [property: Description("The section's content, in markdown.")] string Content);

public sealed record EvidencePoint(string Point, string Content, IReadOnlyList<string> SourceSpecialists, [property: Range(0, 1)] double Confidence);

[Description("The analyst's final answer to the task.")]
public sealed record SynthesisAnswer(
    [property: Description("Two or three paragraphs.")] string ExecutiveSummary,
    [property: MinLength(1)] IReadOnlyList<ReportSection> MainContent,
    IReadOnlyList<string> KeyInsights,
    IReadOnlyList<string> Recommendations,
    IReadOnlyList<EvidencePoint> SupportingEvidence,
    IReadOnlyList<string> Limitations,
    [property: Range(0, 1)] double OverallConfidence);

[Description("The manager's final review of the synthesised answer.")]
public sealed record FinalReviewAnswer(
    bool Approved,
    [property: Range(0, 10)] double Score,
    string Feedback,
    [property: Description("What must change before approval; empty when approved.")] IReadOnlyList<string> Issues);
