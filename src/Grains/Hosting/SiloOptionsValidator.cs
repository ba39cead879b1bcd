using System.Net;
using Microsoft.Extensions.Options;

namespace Orleans.AgentChannel.Hosting;

/// <summary>
/// A silo on SQLite is alone in its cluster (localhost clustering): an address for other silos to reach it at
/// asks for a cluster it will never join, so it is refused with the setting to change.
/// </summary>
public sealed class SiloOptionsValidator(IOptions<StorageOptions> storage) : IValidateOptions<SiloOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloOptions options) =>
        storage.Value.Provider == StorageProvider.Sqlite && !string.IsNullOrWhiteSpace(options.AdvertisedAddress)
            && !(IPAddress.TryParse(options.AdvertisedAddress, out var address) && IPAddress.IsLoopback(address))
            ? ValidateOptionsResult.Fail(
                $"{SiloOptions.Section}:AdvertisedAddress is {options.AdvertisedAddress}, an address for other silos to join this one at, " +
                $"but {StorageOptions.Section}:Provider is Sqlite: a SQLite silo holds one silo's data and is alone in its cluster. " +
                $"Several silos need {StorageOptions.Section}:Provider=PostgreSQL (docs/deployment.md); for one silo, leave AdvertisedAddress empty.")
            : ValidateOptionsResult.Success;
}
