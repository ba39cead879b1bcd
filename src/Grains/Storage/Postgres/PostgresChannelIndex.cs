using Orleans.AgentChannel.Channels;

namespace Orleans.AgentChannel.Storage.Postgres;

public sealed class PostgresChannelIndex(PostgresDatabase database) : IChannelIndex
{
    public Task<long> Save(ChannelInfo channel, GrainStateWrite state) => database.Write(transaction => transaction.SaveGrainState(state,
        PostgresGrainStateCommands.Statement(
            """
            INSERT INTO channels (name_key, name, member_count, created_at)
            VALUES (@name_key, @name, @member_count, @created_at)
            ON CONFLICT (name_key) DO UPDATE SET member_count = excluded.member_count
            """,
            ("name_key", channel.Name), ("name", channel.Name), ("member_count", channel.Members.Count),
            ("created_at", channel.CreatedAt.ToUnixTimeMilliseconds()))));

    public Task<IReadOnlyList<ChannelSummary>> List() => database.Read<IReadOnlyList<ChannelSummary>>(async connection =>
    {
        await using var command = connection.Command(
            """
            SELECT c.name, c.member_count, c.created_at,
                   COALESCE((SELECT MAX(m.channel_seq) FROM messages m WHERE m.channel = c.name_key), 0)
            FROM channels c ORDER BY c.name_key
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var channels = new List<ChannelSummary>();
        while (await reader.ReadAsync())
        {
            channels.Add(new ChannelSummary(reader.GetString(0), reader.GetInt32(1), reader.GetInt64(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }
        return channels;
    });
}
