using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Orleans.AgentChannel.Storage.Sqlite;

/// <summary>
/// Orleans' reminder table on the one-machine SQLite file. Orleans ships no SQLite reminder script, and its ADO.NET
/// table would be a second writer beside <see cref="SqliteWriteQueue"/>, waiting on SQLite's busy timeout; here a
/// reminder write joins the writer's next batch like any other row. The eTag is the row's version.
/// </summary>
public sealed class SqliteReminderTable(SqliteDatabase database, SqliteWriteQueue writes) : IReminderTable
{
    private const string Columns = "grain_id, name, start_at, period_ms, version";

    public Task<ReminderTableData> ReadRows(GrainId grainId) => database.Read(connection =>
    {
        using var command = connection.Command($"SELECT {Columns} FROM reminders WHERE grain_id = @grain_id",
            ("@grain_id", grainId.ToString()));
        return new ReminderTableData(ReadEntries(command));
    });

    /// <summary>The ring range (begin, end]; a range with begin ≥ end wraps around zero.</summary>
    public Task<ReminderTableData> ReadRows(uint begin, uint end) => database.Read(connection =>
    {
        var wraps = begin >= end;
        using var command = connection.Command(
            $"SELECT {Columns} FROM reminders WHERE " + (wraps
                ? "grain_hash > @begin OR grain_hash <= @end"
                : "grain_hash > @begin AND grain_hash <= @end"),
            ("@begin", (long)begin), ("@end", (long)end));
        return new ReminderTableData(ReadEntries(command));
    });

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => database.Read(connection =>
    {
        using var command = connection.Command($"SELECT {Columns} FROM reminders WHERE grain_id = @grain_id AND name = @name",
            ("@grain_id", grainId.ToString()), ("@name", reminderName));
        return ReadEntries(command).SingleOrDefault();
    });

    public Task<string?> UpsertRow(ReminderEntry entry) => writes.Enqueue<string?>(transaction =>
    {
        var upsert = transaction.Statement(
            """
            INSERT INTO reminders (grain_id, name, grain_hash, start_at, period_ms, version)
            VALUES (@grain_id, @name, @grain_hash, @start_at, @period_ms, 0)
            ON CONFLICT (grain_id, name) DO UPDATE SET
                grain_hash = excluded.grain_hash, start_at = excluded.start_at, period_ms = excluded.period_ms, version = version + 1
            RETURNING version
            """,
            ("@grain_id", entry.GrainId.ToString()), ("@name", entry.ReminderName), ("@grain_hash", (long)entry.GrainId.GetUniformHashCode()),
            ("@start_at", new DateTimeOffset(DateTime.SpecifyKind(entry.StartAt, DateTimeKind.Utc)).ToUnixTimeMilliseconds()),
            ("@period_ms", (long)entry.Period.TotalMilliseconds));
        return Convert.ToInt64(upsert.ExecuteScalar(), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
    });

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) => writes.Enqueue(transaction =>
    {
        if (!long.TryParse(eTag, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return false;
        }
        var delete = transaction.Statement("DELETE FROM reminders WHERE grain_id = @grain_id AND name = @name AND version = @version",
            ("@grain_id", grainId.ToString()), ("@name", reminderName), ("@version", version));
        return delete.ExecuteNonQuery() == 1;
    });

    public Task TestOnlyClearTable() => writes.Enqueue(transaction =>
    {
        using var delete = transaction.Command("DELETE FROM reminders");
        delete.ExecuteNonQuery();
    });

    private static List<ReminderEntry> ReadEntries(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var entries = new List<ReminderEntry>();
        while (reader.Read())
        {
            entries.Add(new ReminderEntry
            {
                GrainId = GrainId.Parse(reader.GetString(0), CultureInfo.InvariantCulture),
                ReminderName = reader.GetString(1),
                StartAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)).UtcDateTime,
                Period = TimeSpan.FromMilliseconds(reader.GetInt64(3)),
                ETag = reader.GetInt64(4).ToString(CultureInfo.InvariantCulture),
            });
        }
        return entries;
    }
}
