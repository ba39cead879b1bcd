using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.Storage;

/// <summary>
/// A page of message search hits from the candidates an engine read (<see cref="MessageHistorySql.SearchCandidates"/>):
/// ranked by <see cref="SearchText.Rank"/>, the page an offset into that ranking (the cursor), the same on both engines.
/// </summary>
internal static class SearchPages
{
    public static (IReadOnlyList<(long Seq, double Score)> Page, string? NextCursor) Of(
        SearchText text, IReadOnlyList<(long Seq, string Text)> candidates, MessageQuery query)
    {
        var offset = (int)Math.Min(Cursors.ToPosition(query.Cursor) ?? 0, int.MaxValue);
        var page = text.Rank(candidates).Skip(offset).Take(query.Limit).ToList();
        var next = offset + page.Count;
        return (page, page.Count == query.Limit && next < candidates.Count ? Cursors.FromPosition(next) : null);
    }

    public static MessageSearchPage Hits(SearchText text, IReadOnlyList<(long Seq, double Score)> page,
        IReadOnlyDictionary<long, MessageInfo> messages, string? nextCursor) =>
        new([.. page.Select(hit => messages[hit.Seq]).Select((message, index) => new MessageHit(message, page[index].Score, text.Snippet(message.Content)))],
            nextCursor);
}
