using System.Text.RegularExpressions;
using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Identity;

/// <summary>Agent and channel names: unique case-insensitively, so the grain key is the lower-cased form.</summary>
public static partial class AgentNames
{
    public const int MaxLength = 64;

    // \z, not $: "$" also matches before a final newline, which let "alice\n" in beside "alice".
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex ValidName();

    public static string Key(string name) => name.ToLowerInvariant();

    public static bool Equal(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxLength && ValidName().IsMatch(name);

    /// <summary>Throws <see cref="ErrorKind.Invalid"/> naming <paramref name="field"/> unless the name is usable.</summary>
    public static string Require(string? name, string field)
    {
        if (!IsValid(name))
        {
            throw AgentChannelException.Invalid(field,
                $"'{field}' must be 1-{MaxLength} characters: letters, digits, '_', '-' or '.', starting with a letter or digit.");
        }
        return name!;
    }
}
