using System.Text.RegularExpressions;

namespace Orleans.AgentChannel.Client;

/// <summary>
/// Where an agent keeps its token between runs. The server shows a token once, when the agent is created, and
/// afterwards accepts only that token for the name, so it is saved: by default to
/// <c>~/.agent_sdk/tokens/&lt;cluster&gt;/&lt;name&gt;.token</c>, the layout of the Python SDK, readable by its owner only.
/// </summary>
public static partial class TokenStore
{
    /// <summary>Replaces the default directory <c>~/.agent_sdk/tokens</c> (shared with the Python SDK).</summary>
    public const string DirectoryVariable = "AGENT_SDK_TOKEN_DIR";

    [GeneratedRegex("[^A-Za-z0-9._-]", RegexOptions.CultureInvariant)]
    private static partial Regex Unsafe();

    public static string DefaultDirectory =>
        Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".agent_sdk", "tokens");

    /// <summary>The default token file of an agent in a cluster (names compare ignoring case, so the file name is lower-case).</summary>
    public static string DefaultPath(string cluster, string agentName) =>
        Path.Combine(DefaultDirectory, Unsafe().Replace(cluster, "_"), $"{Unsafe().Replace(agentName.ToLowerInvariant(), "_")}.token");

    /// <summary>The saved token, or null when there is no file or it is empty.</summary>
    public static string? Read(string path)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            return text.Length == 0 ? null : text;
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Saves the token atomically: a temporary file made owner-only (0600) and renamed over the target.</summary>
    public static void Write(string path, string token)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(directory, $".token-{Guid.NewGuid():N}");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(temporary, token + "\n");
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var ownerOnly = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            // No byte-order mark: the Python SDK reads the same files.
            using (var writer = new StreamWriter(temporary, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), ownerOnly))
            {
                writer.Write(token + "\n");
            }
        }
        try
        {
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
