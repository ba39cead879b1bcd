using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.Storage;

/// <summary>
/// The history queries, the same on SQLite and PostgreSQL but for how a name is compared and an id bound. A reader
/// (an agent's key; null for the operator, who reads everything) sees a message it sent, received (a recipient),
/// that was posted to a channel it belonged to at the time (<c>message_audience</c>), or that is in the thread of a
/// task it created or was ever assigned (<c>task_parties</c>).
/// </summary>
internal sealed class MessageHistorySql(Func<string, string, string> nameEquals, Func<Guid, object> bindId, MessageHistorySql.FullText fullText)
{
    // messages_fts: FTS5 over messages.content (external content, rowid = seq), filled by a trigger on messages.
    // Ordering by its rank alone lets FTS5 sort the matches itself and stop at the page.
    public static readonly MessageHistorySql Sqlite = new(
        (column, parameter) => $"{column} = {parameter} COLLATE NOCASE", id => id.ToString(),
        new("messages_fts CROSS JOIN messages m", "messages_fts MATCH @match AND m.seq = messages_fts.rowid",
            "-messages_fts.rank", "messages_fts.rank", text => text.ToFts5()));

    // lower(sender) is what ix_messages_sender indexes; messages.search is the generated tsvector under ix_messages_search.
    public static readonly MessageHistorySql Postgres = new(
        (column, parameter) => $"lower({column}) = lower({parameter})", id => id,
        new("messages m", "m.search @@ to_tsquery('simple', @match)",
            "ts_rank(m.search, to_tsquery('simple', @match))", "rank DESC, m.seq DESC", text => text.ToTsQuery()));

    /// <summary>
    /// How an engine matches and ranks: the rows to read (the message row as <c>m</c>), the match condition on
    /// <c>@match</c>, the rank (higher is better), the order of a page, and the match parameter made from the words.
    /// </summary>
    internal sealed record FullText(string Source, string Match, string Rank, string Order, Func<SearchText, string> Parameter);

    /// <summary>SQL with parameters named without a prefix; the engine binds them.</summary>
    public sealed record Statement(string Sql, IReadOnlyList<(string Name, object? Value)> Parameters);

    /// <summary>Whether <paramref name="reader"/> may read the message row <c>m</c> (parameter <c>@reader</c>).</summary>
    private string Visible => $"""
        ({nameEquals("m.sender", "@reader")}
         OR EXISTS (SELECT 1 FROM message_recipients vr WHERE vr.recipient = @reader AND vr.seq = m.seq)
         OR EXISTS (SELECT 1 FROM message_audience va WHERE va.agent_key = @reader AND va.seq = m.seq)
         OR (m.task_id IS NOT NULL AND EXISTS (SELECT 1 FROM task_parties vp WHERE vp.agent_key = @reader AND vp.task_id = m.task_id)))
        """;

    public Statement Get(string columns, Guid id, string? reader) => reader is null
        ? new($"SELECT {columns} FROM messages m WHERE m.id = @id", [("id", bindId(id))])
        : new($"SELECT {columns} FROM messages m WHERE m.id = @id AND {Visible}", [("id", bindId(id)), ("reader", reader)]);

    /// <summary>
    /// A page of history, one row more than <see cref="MessageQuery.Limit"/> (that row says there is a next page). A
    /// reader's page is drawn from what it may read only: the newest (or oldest) rows of each kind of access, each an
    /// index range limited to the page, merged; so its cost follows the reader's own history, never the whole log's.
    /// A task's thread is small: with <c>task_id</c> the thread is read and each message checked.
    /// </summary>
    public Statement List(string columns, MessageQuery query, string? reader)
    {
        var parameters = new List<(string Name, object? Value)> { ("limit", query.Limit + 1) };
        var order = query.Ascending ? "ASC" : "DESC";
        var cursor = Cursors.ToPosition(query.Cursor);
        if (cursor is not null)
        {
            parameters.Add(("cursor", cursor));
        }
        string After(string column) => cursor is null ? "" : $" AND {column} {(query.Ascending ? ">" : "<")} @cursor";

        // The caller's own sent or received messages are all its own to read.
        if (reader is not null && (query.Sender is { } sender && AgentNames.Equal(sender, reader)
                                   || query.Recipient is { } recipient && AgentNames.Equal(recipient, reader)))
        {
            reader = null;
        }
        var byRecipient = reader is null && query.Recipient is not null;
        var filters = Filters(query, parameters, recipientJoined: byRecipient);
        if (reader is null || query.TaskId is not null)
        {
            if (reader is not null)
            {
                filters.Add(Visible);
                parameters.Add(("reader", reader));
            }
            var source = byRecipient ? "message_recipients r JOIN messages m ON m.seq = r.seq" : "messages m";
            return new(
                $"SELECT {columns} FROM {source} WHERE 1 = 1{string.Concat(filters.Select(filter => $" AND {filter}"))}{After("m.seq")} " +
                $"ORDER BY m.seq {order} LIMIT @limit",
                parameters);
        }

        parameters.Add(("reader", reader));
        // CROSS JOIN: SQLite then keeps the written order, the reader's index range outside, the log probed by seq (never
        // the log scanned in seq order, probing the reader's rows: that reads the whole log for a reader with little in
        // it); PostgreSQL plans it as the inner join it is.
        var branches = new List<(string Source, string Seq)>();
        if (query.Sender is null)
        {
            branches.Add(($"messages m WHERE {nameEquals("m.sender", "@reader")}", "m.seq"));
        }
        if (query.Channel is null)
        {
            // A channel post has no recipients.
            branches.Add(("message_recipients v CROSS JOIN messages m WHERE m.seq = v.seq AND v.recipient = @reader", "v.seq"));
        }
        branches.Add(("message_audience v CROSS JOIN messages m WHERE m.seq = v.seq AND v.agent_key = @reader", "v.seq"));
        branches.Add(("task_parties v CROSS JOIN messages m WHERE m.task_id = v.task_id AND v.agent_key = @reader AND m.task_id IS NOT NULL", "m.seq"));
        var conditions = string.Concat(filters.Select(filter => $" AND {filter}"));
        var union = string.Join(" UNION ", branches.Select((branch, index) =>
            $"SELECT seq FROM (SELECT {branch.Seq} AS seq FROM {branch.Source}{conditions}{After(branch.Seq)} " +
            $"ORDER BY {branch.Seq} {order} LIMIT @limit) AS b{index}"));
        return new($"SELECT {columns} FROM ({union}) AS u CROSS JOIN messages m WHERE m.seq = u.seq ORDER BY m.seq {order} LIMIT @limit", parameters);
    }

    /// <summary>
    /// A page of search hits, most relevant first: <paramref name="columns"/>, then the rank. The reader's access is
    /// checked on each match (as for a task's thread), the query's filters applied alongside; the page is an offset into
    /// the ranked matches (<see cref="Cursors.ToPosition"/>), one row more than the limit.
    /// </summary>
    public Statement Search(string columns, SearchText text, MessageQuery query, string? reader)
    {
        var parameters = new List<(string Name, object? Value)>
        {
            ("match", fullText.Parameter(text)), ("limit", query.Limit + 1), ("offset", Cursors.ToPosition(query.Cursor) ?? 0),
        };
        if (reader is not null && (query.Sender is { } sender && AgentNames.Equal(sender, reader)
                                   || query.Recipient is { } recipient && AgentNames.Equal(recipient, reader)))
        {
            reader = null;
        }
        var filters = Filters(query, parameters, recipientJoined: false);
        if (reader is not null)
        {
            filters.Add(Visible);
            parameters.Add(("reader", reader));
        }
        return new(
            $"SELECT {columns}, {fullText.Rank} AS rank FROM {fullText.Source} WHERE {fullText.Match}" +
            $"{string.Concat(filters.Select(filter => $" AND {filter}"))} ORDER BY {fullText.Order} LIMIT @limit OFFSET @offset",
            parameters);
    }

    /// <summary>The query's filters on the message row <c>m</c> (the recipient on <c>r</c> when the page is read from it).</summary>
    private List<string> Filters(MessageQuery query, List<(string Name, object? Value)> parameters, bool recipientJoined)
    {
        var filters = new List<string>();
        void Add(string condition, string name, object? value)
        {
            if (value is not null)
            {
                filters.Add(condition);
                parameters.Add((name, value));
            }
        }
        Add(recipientJoined
            ? "r.recipient = @recipient"
            : "EXISTS (SELECT 1 FROM message_recipients fr WHERE fr.recipient = @recipient AND fr.seq = m.seq)",
            "recipient", query.Recipient is { } recipient ? AgentNames.Key(recipient) : null);
        Add(nameEquals("m.sender", "@sender"), "sender", query.Sender);
        Add("m.channel = @channel", "channel", query.Channel is { } channel ? AgentNames.Key(channel) : null);
        Add("m.task_id = @task_id", "task_id", query.TaskId is { } taskId ? bindId(taskId) : null);
        Add("m.created_at >= @since", "since", query.Since?.ToUnixTimeMilliseconds());
        Add("m.created_at < @before", "before", query.Before?.ToUnixTimeMilliseconds());
        return filters;
    }
}
