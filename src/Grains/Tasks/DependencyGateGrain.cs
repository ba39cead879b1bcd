namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// Checks dependency changes one at a time (the grain is not reentrant, so a check and its reservation are one turn
/// as far as other checks go). A reservation lives in memory until released, or for <see cref="ReservationLifetime"/>
/// when its task grain never says (its silo died meanwhile); one lost with this grain's silo only reopens the race
/// for the changes in flight at that moment.
/// </summary>
public sealed class DependencyGateGrain(ITaskIndex taskIndex, TimeProvider clock) : Grain, IDependencyGateGrain
{
    /// <summary>Most tasks one reachability query walks before it gives up looking (and allows the change).</summary>
    private const int MaxDependencyWalk = 10_000;

    private static readonly TimeSpan ReservationLifetime = TimeSpan.FromMinutes(1);

    private readonly Dictionary<Guid, Reservation> _reserved = [];

    public async Task<bool> Reserve(Guid task, IReadOnlyList<Guid> dependsOn)
    {
        var now = clock.GetUtcNow();
        foreach (var expired in _reserved.Where(entry => entry.Value.ExpiresAt <= now).Select(entry => entry.Key).ToList())
        {
            _reserved.Remove(expired);
        }
        if (dependsOn.Count > 0 && await LeadsBackTo(task, dependsOn))
        {
            return false;
        }
        _reserved[task] = new Reservation(dependsOn, now + ReservationLifetime);
        return true;
    }

    public Task Release(Guid task)
    {
        _reserved.Remove(task);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Whether <paramref name="task"/> is reached from <paramref name="dependsOn"/>: by the stored dependencies (one
    /// query), or by way of another reserved change whose task is reached, which adds that change's dependencies to
    /// the starting points and asks again. Reservations are few (changes in flight), so are the extra queries.
    /// </summary>
    private async Task<bool> LeadsBackTo(Guid task, IReadOnlyList<Guid> dependsOn)
    {
        // Taken before the first query: a release arriving meanwhile (interleaved) names a change stored before it was
        // sent, which a query that started earlier may not see, so the reservation still counts for this check.
        var reserved = _reserved.Where(entry => entry.Key != task).ToList();
        var from = new HashSet<Guid>(dependsOn);
        var followed = new HashSet<Guid>();
        while (true)
        {
            if (from.Contains(task) || await taskIndex.Reaches([.. from], task, MaxDependencyWalk))
            {
                return true;
            }
            var grew = false;
            foreach (var (other, reservation) in reserved.Where(entry => !followed.Contains(entry.Key)))
            {
                if (from.Contains(other) || await taskIndex.Reaches([.. from], other, MaxDependencyWalk))
                {
                    followed.Add(other);
                    foreach (var dependency in reservation.DependsOn)
                    {
                        grew |= from.Add(dependency);
                    }
                }
            }
            if (!grew)
            {
                return false;
            }
        }
    }

    private sealed record Reservation(IReadOnlyList<Guid> DependsOn, DateTimeOffset ExpiresAt);
}
