namespace Orleans.AgentChannel.Tasks;

/// <summary>The latest decision on a task awaiting approval: who approved it or sent it back, when, and why.</summary>
[GenerateSerializer, Immutable, Alias("task-review")]
public sealed record TaskReview(
    [property: Id(0)] ReviewDecision Decision,
    [property: Id(1)] string By,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string? Comment = null);
