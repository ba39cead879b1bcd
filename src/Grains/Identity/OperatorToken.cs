using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace Orleans.AgentChannel.Identity;

/// <summary>
/// The operator's token (<c>AgentChannel:OperatorToken</c>), or one made at start when the setting is empty (one
/// process: the server prints it). Front doors accept it from people and tools; silos accept it from the cluster
/// clients that act for the agents they authenticated themselves (front ends in client mode).
/// </summary>
public sealed class OperatorToken
{
    public const string Setting = "AgentChannel:OperatorToken";

    private readonly byte[] _hash;

    public OperatorToken(IConfiguration configuration)
    {
        var configured = configuration[Setting];
        IsGenerated = string.IsNullOrWhiteSpace(configured);
        Value = IsGenerated ? "op_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)) : configured!;
        _hash = SHA256.HashData(Encoding.UTF8.GetBytes(Value));
    }

    public string Value { get; }

    public bool IsGenerated { get; }

    public bool Matches(string token) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(token)), _hash);
}
