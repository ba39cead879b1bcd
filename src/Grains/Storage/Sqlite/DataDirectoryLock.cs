using Orleans.AgentChannel.Hosting;

namespace Orleans.AgentChannel.Storage.Sqlite;

/// <summary>
/// One process per data directory: an exclusive lock on a file beside the SQLite file, held open while this
/// process uses the database. Two processes on one file both served and wrote over each other's sequence numbers
/// (UNIQUE constraint failures answered 500); a second start now stops before it touches the database. The lock
/// is the open file itself (flock on Linux), so the operating system lets go of it however the process ends.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "agentchannel.lock";

    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    /// <summary>Takes the lock of the directory holding <paramref name="databasePath"/>, or refuses to start naming it.</summary>
    public static DataDirectoryLock Acquire(string databasePath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(databasePath))!;
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        try
        {
            return new DataDirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException error)
        {
            throw new StartupRefusedException(
                $"The data directory {directory} is in use by another process, which holds {path} ({error.Message}) " +
                $"One process per data directory: stop that process, or give this one another {StorageOptions.Section}:SqlitePath.", error);
        }
    }

    public void Dispose() => _file.Dispose();
}
