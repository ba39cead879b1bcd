using Microsoft.Extensions.Options;

namespace Orleans.AgentChannel.Hosting;

/// <summary>Checks that go beyond attributes: each provider's own required settings, with the key to set.</summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        switch (options.Provider)
        {
            case StorageProvider.Sqlite:
                return string.IsNullOrWhiteSpace(options.SqlitePath)
                    ? ValidateOptionsResult.Fail($"{StorageOptions.Section}:SqlitePath is required when {StorageOptions.Section}:Provider is Sqlite.")
                    : ValidateOptionsResult.Success;
            case StorageProvider.PostgreSQL:
                if (string.IsNullOrWhiteSpace(options.PostgresConnectionString))
                {
                    return ValidateOptionsResult.Fail(
                        $"{StorageOptions.Section}:PostgresConnectionString is required when {StorageOptions.Section}:Provider is PostgreSQL " +
                        "(for example Host=127.0.0.1;Port=5432;Database=agentchannel;Username=agentchannel;Password=...).");
                }
                try
                {
                    var parsed = new Npgsql.NpgsqlConnectionStringBuilder(options.PostgresConnectionString);
                    if (string.IsNullOrEmpty(parsed.Host) || string.IsNullOrEmpty(parsed.Database))
                    {
                        return ValidateOptionsResult.Fail(
                            $"{StorageOptions.Section}:PostgresConnectionString must name a Host and a Database.");
                    }
                }
                catch (ArgumentException exception)
                {
                    return ValidateOptionsResult.Fail(
                        $"{StorageOptions.Section}:PostgresConnectionString is not a valid Npgsql connection string: {exception.Message}");
                }
                return ValidateOptionsResult.Success;
            default:
                return ValidateOptionsResult.Fail(
                    $"{StorageOptions.Section}:Provider must be Sqlite or PostgreSQL (was '{options.Provider}').");
        }
    }
}
