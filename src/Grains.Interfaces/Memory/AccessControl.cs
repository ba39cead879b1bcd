namespace Orleans.AgentChannel.Memory;

/// <summary>
/// Who may read and who may write a key: agent names or "*" for everyone. In a write, a list left out
/// (null) keeps its current value (everyone, for a new key).
/// </summary>
[GenerateSerializer, Alias("access-control")]
public sealed record AccessControl(
    [property: Id(0)] IReadOnlyList<string> Read,
    [property: Id(1)] IReadOnlyList<string> Write)
{
    public const string Everyone = "*";

    public static AccessControl Open { get; } = new([Everyone], [Everyone]);

    public bool Equals(AccessControl? other) =>
        other is not null && Read.SequenceEqual(other.Read) && Write.SequenceEqual(other.Write);

    public override int GetHashCode() => HashCode.Combine(string.Join('|', Read), string.Join('|', Write));
}
