namespace Orleans.AgentChannel.Hosting;

/// <summary>
/// Work a silo runs in the background while it is active: started off the lifecycle's thread once the silo is
/// Active, cancelled and awaited when it stops, so nothing outlives the silo.
/// </summary>
internal abstract class SiloBackgroundLoop : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(GetType().Name, ServiceLifecycleStage.Active,
            _ =>
            {
                _running = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
                return Task.CompletedTask;
            },
            async _ =>
            {
                await _stopping.CancelAsync();
                await _running;
            });

    public void Dispose() => _stopping.Dispose();

    /// <summary>Runs until <paramref name="stopping"/> is cancelled; must not throw.</summary>
    protected abstract Task RunAsync(CancellationToken stopping);
}
