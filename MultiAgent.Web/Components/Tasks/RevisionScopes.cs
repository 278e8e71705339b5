namespace MultiAgent.Web.Components.Tasks;

/// <summary>What a user can ask a revision to redo (the form's choice; the manager decides from what is sent).</summary>
public static class RevisionScopes
{
    public const string FinalAnswer = "final_answer";
    public const string Subtasks = "subtasks";
    public const string WholeTask = "whole_task";
}
