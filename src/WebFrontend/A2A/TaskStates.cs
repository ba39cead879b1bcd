namespace Orleans.AgentChannel.WebFrontend.A2A;

/// <summary>A2A's task states (TaskState in the proto).</summary>
public static class TaskStates
{
    public const string Submitted = "TASK_STATE_SUBMITTED";
    public const string Working = "TASK_STATE_WORKING";
    public const string Completed = "TASK_STATE_COMPLETED";
    public const string Failed = "TASK_STATE_FAILED";
    public const string Canceled = "TASK_STATE_CANCELED";
    public const string InputRequired = "TASK_STATE_INPUT_REQUIRED";
    public const string Rejected = "TASK_STATE_REJECTED";

    /// <summary>After these a task takes no more messages and its streams close.</summary>
    public static bool IsTerminal(string state) => state is Completed or Failed or Canceled or Rejected;

    /// <summary>A blocking send returns at these too: the task waits for the requester (A2A's interrupted states).</summary>
    public static bool IsInterrupted(string state) => state is InputRequired;
}
