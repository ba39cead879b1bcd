using System.Net;
using System.Net.Sockets;

namespace Orleans.AgentChannel.WebFrontend.Components.Account;

/// <summary>
/// Slows down guessing the operator token at the console's sign-in (200 wrong tokens in 13 s from one client
/// went through unhindered). Per client address (an IPv6 client by its /64, which one machine typically holds),
/// <see cref="FreeFailures"/> wrong tokens lock the address out for <see cref="FirstLockout"/>, and each further
/// wrong token for twice as long as the one before (1 s, 2 s, 4 s, ... up to <see cref="LongestLockout"/>). An
/// attempt during a lockout is not checked at all, so it tells a guesser nothing; the right token clears the record.
/// Behind a reverse proxy every client has the proxy's address and shares one record.
/// </summary>
public sealed class SignInThrottle(TimeProvider clock)
{
    public const int FreeFailures = 5;

    public static readonly TimeSpan FirstLockout = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan LongestLockout = TimeSpan.FromMinutes(15);

    /// <summary>An address with no wrong token for this long starts again from nothing.</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromHours(1);

    /// <summary>Beyond this many addresses, the forgotten ones are dropped, so a flood of addresses cannot fill memory.</summary>
    private const int PruneAbove = 10_000;

    private readonly Dictionary<string, Failures> _clients = [];

    /// <summary>How long <paramref name="client"/> must wait before its next attempt is checked; null when it need not.</summary>
    public TimeSpan? LockedOutFor(IPAddress? client)
    {
        var now = clock.GetUtcNow();
        lock (_clients)
        {
            return _clients.TryGetValue(KeyOf(client), out var failures) && failures.LockedUntil > now ? failures.LockedUntil - now : null;
        }
    }

    public void Failed(IPAddress? client)
    {
        var now = clock.GetUtcNow();
        lock (_clients)
        {
            if (_clients.Count > PruneAbove)
            {
                foreach (var forgotten in _clients.Where(entry => now - entry.Value.Last > ForgetAfter).Select(entry => entry.Key).ToList())
                {
                    _clients.Remove(forgotten);
                }
            }
            var key = KeyOf(client);
            var count = (_clients.TryGetValue(key, out var previous) && now - previous.Last <= ForgetAfter ? previous.Count : 0) + 1;
            var lockout = count < FreeFailures ? TimeSpan.Zero
                : TimeSpan.FromTicks(Math.Min(LongestLockout.Ticks, FirstLockout.Ticks << Math.Min(count - FreeFailures, 30)));
            _clients[key] = new Failures(count, now, now + lockout);
        }
    }

    public void Succeeded(IPAddress? client)
    {
        lock (_clients)
        {
            _clients.Remove(KeyOf(client));
        }
    }

    private static string KeyOf(IPAddress? client)
    {
        if (client is null)
        {
            return "";
        }
        if (client.IsIPv4MappedToIPv6)
        {
            return client.MapToIPv4().ToString();
        }
        if (client.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return client.ToString();
        }
        var bytes = client.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private readonly record struct Failures(int Count, DateTimeOffset Last, DateTimeOffset LockedUntil);
}
