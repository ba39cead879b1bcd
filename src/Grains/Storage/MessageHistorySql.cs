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
    // messages_fts: FTS5 over messages.content (external content, rowid = seq), filled by a trigger on messages. Read
    // newest first by its rowid, FTS5 walks the matches backwards and stops at the window.
    public static readonly MessageHistorySql Sqlite = new(
        (column, parameter) => $"{column} = {parameter} COLLATE NOCASE", id => id.ToString(),
        new("messages_fts CROSS JOIN messages m", "messages_fts MATCH @match AND m.seq = messages_fts.rowid", "messages_fts.rowid",
            CheckInIndex: true, "", text => text.ToFts5()));

    // lower(sender) is what ix_messages_sender indexes; messages.search is the generated tsvector under ix_messages_search.
    public static readonly MessageHistorySql Postgres = new(
        (column, parameter) => $"lower({column}) = lower({parameter})", id => id,
        new("messages m", "m.search @@ to_tsquery('simple', @match)", "m.seq",
            CheckInIndex: false, "m.search @@ to_tsquery('simple', @match)", text => text.ToTsQuery(), InlineMatch: true));

    /// <summary>
    /// How an engine finds the messages matching <c>@match</c>: read from the full-text index newest first (the rows, the
    /// condition and the sequence to order by, the message row as <c>m</c>); with a filter or for an agent, either the
    /// same read keeping the matches in the set the filters and the reader's access select (<see cref="CheckInIndex"/>:
    /// SQLite, whose FTS5 cannot be asked about one row cheaply) or that set read as history is, each row checked with
    /// <see cref="Condition"/> (PostgreSQL); and the match parameter made from the words.
    /// </summary>
    /// <remarks>
    /// <see cref="InlineMatch"/>: the match is written into the SQL as a literal, not bound: PostgreSQL then plans each
    /// search with the statistics of its words, where a prepared statement's generic plan guesses how many rows match
    /// (bench/README.md, search-queries-pg: an agent's search for a rare word took 40 ms bound, 4 ms written in). Safe
    /// because the text is made from <see cref="SearchText"/>'s words alone (letters, digits, '&amp;', ':*'), checked again.
    /// </remarks>
    internal sealed record FullText(string IndexSource, string IndexMatch, string IndexSeq, bool CheckInIndex, string Condition,
        Func<SearchText, string> Parameter, bool InlineMatch = false);

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
    /// Whether <paramref name="reader"/> may read an artifact through what it is attached to (one row, 1, if so): a
    /// message carrying it that the reader may read by the rule above, or a task carrying it that the reader is a party
    /// of (creator or ever assigned: who reads the task's thread). The uploader and the operator are the grain's to check.
    /// </summary>
    public Statement ArtifactReadable(Guid artifactId, string reader) => new($"""
        SELECT 1 WHERE EXISTS (SELECT 1 FROM artifact_messages l JOIN messages m ON m.id = l.message_id WHERE l.artifact_id = @artifact AND {Visible})
            OR EXISTS (SELECT 1 FROM artifact_tasks l JOIN task_parties p ON p.task_id = l.task_id WHERE l.artifact_id = @artifact AND p.agent_key = @reader)
        """, [("artifact", bindId(artifactId)), ("reader", reader)]);

    /// <summary>
    /// A page of history, one row more than <see cref="MessageQuery.Limit"/> (that row says there is a next page). A
    /// reader's page is drawn from what it may read only: the newest (or oldest) rows of each kind of access, each an
    /// index range limited to the page, merged; so its cost follows the reader's own history, never the whole log's.
    /// A task's thread is small: with <c>task_id</c> the thread is read and each message checked.
    /// </summary>
    public Statement List(string columns, MessageQuery query, string? reader) => Page(columns, query, reader, null, query.Limit + 1);

    /// <summary>
    /// The candidates of a search: the newest <paramref name="window"/> messages matching <paramref name="text"/> that
    /// <see cref="List"/> would give <paramref name="reader"/> with the query's filters (its cursor and order not used),
    /// as <c>seq, content</c>, newest first. Read as that page of history is, with the match as one more filter; only
    /// the operator's query without a sender, recipient, channel or task is read from the full-text index itself
    /// (newest first, so it stops at the window): every other reads an index range of its own and checks the match.
    /// </summary>
    public Statement SearchCandidates(SearchText text, MessageQuery query, string? reader, int window) =>
        Page("m.seq, m.content", query with { Cursor = null, Ascending = false }, reader, text, window);

    /// <summary>The messages of these sequences (a page of search hits), in no order.</summary>
    public static Statement BySequences(string columns, IReadOnlyList<long> sequences) => new(
        $"SELECT {columns} FROM messages m WHERE m.seq IN ({string.Join(", ", sequences.Select((_, index) => $"@s{index}"))})",
        [.. sequences.Select((seq, index) => ($"s{index}", (object?)seq))]);

    private Statement Page(string columns, MessageQuery query, string? reader, SearchText? text, int limit)
    {
        var parameters = new List<(string Name, object? Value)> { ("limit", limit) };
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
        var byRecipient = reader is null && query.Recipient is not null && text is null;
        var filters = Filters(query, parameters, recipientJoined: byRecipient);
        string Where(IEnumerable<string> conditions) => string.Concat(conditions.Select(condition => $" AND {condition}"));
        if (text is not null)
        {
            var match = fullText.Parameter(text);
            if (fullText.InlineMatch)
            {
                if (!match.All(c => char.IsLetterOrDigit(c) || c is ' ' or '&' or ':' or '*' || char.GetUnicodeCategory(c) is
                        System.Globalization.UnicodeCategory.LetterNumber or System.Globalization.UnicodeCategory.OtherNumber
                        or System.Globalization.UnicodeCategory.PrivateUse or System.Globalization.UnicodeCategory.Surrogate))
                {
                    throw new InvalidOperationException("A full-text match to write into SQL holds more than words.");
                }
            }
            else
            {
                parameters.Add(("match", match));
            }
            string Matched(string sql) => fullText.InlineMatch ? sql.Replace("@match", $"'{match}'", StringComparison.Ordinal) : sql;
            if (reader is null && query is { Sender: null, Recipient: null, Channel: null, TaskId: null })
            {
                return new(
                    $"SELECT {columns} FROM {fullText.IndexSource} WHERE {Matched(fullText.IndexMatch)}{Where(filters)} ORDER BY {fullText.IndexSeq} DESC LIMIT @limit",
                    parameters);
            }
            if (fullText.CheckInIndex)
            {
                // '+' keeps the set a condition checked on each match, not rowids for FTS5 to look up one at a time.
                return new(
                    $"SELECT {columns} FROM {fullText.IndexSource} WHERE {Matched(fullText.IndexMatch)} " +
                    $"AND +{fullText.IndexSeq} IN ({Readable(query, reader, filters, parameters, byRecipient, null, After)}) " +
                    $"ORDER BY {fullText.IndexSeq} DESC LIMIT @limit",
                    parameters);
            }
            filters.Add(Matched(fullText.Condition));
        }
        var readable = Readable(query, reader, filters, parameters, byRecipient, order, After);
        return new($"SELECT {columns} FROM ({readable}) AS u CROSS JOIN messages m WHERE m.seq = u.seq ORDER BY m.seq {order} LIMIT @limit", parameters);
    }

    /// <summary>
    /// The sequences of the messages the query's filters select that <paramref name="reader"/> may read, as <c>seq</c>: with
    /// an <paramref name="order"/>, the first <c>@limit</c> of them in it; without, all of them in no order.
    /// </summary>
    private string Readable(MessageQuery query, string? reader, List<string> filters, List<(string Name, object? Value)> parameters,
        bool byRecipient, string? order, Func<string, string> after)
    {
        string Where(IEnumerable<string> conditions) => string.Concat(conditions.Select(condition => $" AND {condition}"));
        string Limited(string seq) => order is null ? "" : $" ORDER BY {seq} {order} LIMIT @limit";
        if (reader is null || query.TaskId is not null)
        {
            if (reader is not null)
            {
                filters.Add(Visible);
                parameters.Add(("reader", reader));
            }
            var source = byRecipient ? "message_recipients r JOIN messages m ON m.seq = r.seq" : "messages m";
            return $"SELECT m.seq AS seq FROM {source} WHERE 1 = 1{Where(filters)}{after("m.seq")}{Limited("m.seq")}";
        }

        parameters.Add(("reader", reader));
        // CROSS JOIN: SQLite then keeps the written order, the reader's index range outside, the log probed by seq (never
        // the log scanned in seq order, probing the reader's rows: that reads the whole log for a reader with little in
        // it); PostgreSQL plans it as the inner join it is.
        // All of them with no filter on the message: its recipient and audience rows alone say it, no message row read.
        var joined = order is not null || filters.Count > 0 ? "CROSS JOIN messages m WHERE m.seq = v.seq AND" : "WHERE";
        var branches = new List<(string Source, string Seq)>();
        if (query.Sender is null)
        {
            branches.Add(($"messages m WHERE {nameEquals("m.sender", "@reader")}", "m.seq"));
        }
        if (query.Channel is null)
        {
            // A channel post has no recipients.
            branches.Add(($"message_recipients v {joined} v.recipient = @reader", "v.seq"));
        }
        branches.Add(($"message_audience v {joined} v.agent_key = @reader", "v.seq"));
        branches.Add(("task_parties v CROSS JOIN messages m WHERE m.task_id = v.task_id AND v.agent_key = @reader AND m.task_id IS NOT NULL", "m.seq"));
        return string.Join(order is null ? " UNION ALL " : " UNION ", branches.Select((branch, index) =>
            $"SELECT seq FROM (SELECT {branch.Seq} AS seq FROM {branch.Source}{Where(filters)}{after(branch.Seq)}{Limited(branch.Seq)}) AS b{index}"));
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
