namespace Orleans.AgentChannel.Stats;

/// <summary>
/// A task as the reports see it: <see cref="Row"/> is its position in the tasks table (the id and title,
/// wide columns, are read only for the few tasks a report names); <see cref="Capabilities"/> is the
/// engine's pool key (a JSON list).
/// </summary>
public sealed record StatsTaskRow(
    long Row,
    string Status,
    string Creator,
    string? Assignee,
    string Capabilities,
    long CreatedAt,
    long? FirstAssignedAt,
    long? ClosedAt,
    int Assignments);
