namespace Orleans.AgentChannel.Hosting;

/// <summary>
/// A SQLite silo is the only silo of its cluster: its file holds the service's whole state, which no other silo
/// can read. Clustering configured in code (anything but localhost clustering) could still make it join others,
/// so it refuses to join a membership that lists another silo.
/// </summary>
internal sealed class SqliteSingleSilo(IClusterMembershipService membership, ILocalSiloDetails self) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        // After the silo has read the membership table, before it writes itself into it as joining.
        lifecycle.Subscribe(nameof(SqliteSingleSilo), ServiceLifecycleStage.RuntimeGrainServices + 1, _ =>
        {
            var others = membership.CurrentSnapshot.Members.Values
                .Where(member => member.SiloAddress != self.SiloAddress && member.Status is SiloStatus.Active or SiloStatus.Joining)
                .Select(member => member.SiloAddress.ToString()).ToList();
            return others.Count == 0
                ? Task.CompletedTask
                : throw new StartupRefusedException(
                    $"{StorageOptions.Section}:Provider is Sqlite, whose file holds one silo's data, but this silo was about to join " +
                    $"a cluster with {string.Join(", ", others)}. Several silos need {StorageOptions.Section}:Provider=PostgreSQL " +
                    "(docs/deployment.md); one silo uses localhost clustering.");
        });
}
