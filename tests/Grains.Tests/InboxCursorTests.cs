using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>
/// The in-order delivery rule the gateway and the C# client share, on its own: an inbox held in a list, read in
/// pages the way <c>IAgentGrain.ReadInbox</c> answers, and a receiver that records what it was handed.
/// </summary>
public sealed class InboxCursorTests
{
    [Fact]
    public async Task Catching_up_delivers_the_inbox_after_the_position_page_by_page()
    {
        var inbox = new Inbox(lastSeq: 7, pageSize: 3);
        var cursor = inbox.CursorAt(2);

        await cursor.CatchUp();

        inbox.Delivered.ShouldBe([3, 4, 5, 6, 7]);
        inbox.ReadsAfter.ShouldBe([2, 5]);
        cursor.DeliveredSeq.ShouldBe(7);
    }

    [Fact]
    public async Task Live_events_in_order_are_delivered_without_reading_the_inbox()
    {
        var inbox = new Inbox(lastSeq: 3, pageSize: 10);
        var cursor = inbox.CursorAt(0);

        foreach (var seq in new long[] { 1, 2, 3 })
        {
            await cursor.Offer(Inbox.Event(seq));
        }

        inbox.Delivered.ShouldBe([1, 2, 3]);
        inbox.ReadsAfter.ShouldBeEmpty();
        cursor.DeliveredSeq.ShouldBe(3);
    }

    [Fact]
    public async Task A_live_event_ahead_fills_the_gap_from_the_inbox_and_the_late_ones_are_dropped()
    {
        var inbox = new Inbox(lastSeq: 4, pageSize: 10);
        var cursor = inbox.CursorAt(1);

        await cursor.Offer(Inbox.Event(4));
        await cursor.Offer(Inbox.Event(2));
        await cursor.Offer(Inbox.Event(3));
        await cursor.Offer(Inbox.Event(5, "live"));

        inbox.Delivered.ShouldBe([2, 3, 4, 5]);
        inbox.ReadsAfter.ShouldBe([1]);
        inbox.Sources.ShouldBe(["inbox", "inbox", "inbox", "live"]);
    }

    [Fact]
    public async Task A_live_event_at_or_behind_the_position_is_dropped()
    {
        var inbox = new Inbox(lastSeq: 5, pageSize: 10);
        var cursor = inbox.CursorAt(5);

        await cursor.Offer(Inbox.Event(5));
        await cursor.Offer(Inbox.Event(3));

        inbox.Delivered.ShouldBeEmpty();
        inbox.ReadsAfter.ShouldBeEmpty();
        cursor.DeliveredSeq.ShouldBe(5);
    }

    [Fact]
    public async Task The_inbox_reaching_past_the_position_fills_up_to_it_and_otherwise_reads_nothing()
    {
        var inbox = new Inbox(lastSeq: 4, pageSize: 10);
        var cursor = inbox.CursorAt(2);

        await cursor.InboxReaches(4);
        await cursor.InboxReaches(4);
        await cursor.InboxReaches(1);

        inbox.Delivered.ShouldBe([3, 4]);
        inbox.ReadsAfter.ShouldBe([2]);
    }

    [Fact]
    public async Task Events_without_a_seq_are_delivered_as_they_come_and_do_not_move_the_position()
    {
        var inbox = new Inbox(lastSeq: 0, pageSize: 10);
        var cursor = inbox.CursorAt(3);

        await cursor.Offer(new AgentEvent(EventNames.AgentJoined, null, RawJson.EmptyObject));
        await cursor.Offer(new AgentEvent(EventNames.MemoryUpdated, null, RawJson.EmptyObject));

        inbox.Names.ShouldBe([EventNames.AgentJoined, EventNames.MemoryUpdated]);
        inbox.ReadsAfter.ShouldBeEmpty();
        cursor.DeliveredSeq.ShouldBe(3);
    }

    [Fact]
    public async Task A_memory_update_overtaken_by_a_newer_version_of_its_key_is_dropped_and_other_keys_are_not_held_back()
    {
        var inbox = new Inbox(lastSeq: 0, pageSize: 10);
        var cursor = inbox.CursorAt(0);

        await cursor.Offer(MemoryUpdate("notes/open", 2));
        await cursor.Offer(MemoryUpdate("notes/open", 1));
        await cursor.Offer(MemoryUpdate("plan", 1));
        await cursor.Offer(MemoryUpdate("notes/open", 2, snapshot: true));
        await cursor.Offer(MemoryUpdate("notes/open", 3));

        inbox.MemoryVersions.ShouldBe([("notes/open", 2L, false), ("plan", 1L, false), ("notes/open", 2L, true), ("notes/open", 3L, false)]);
    }

    [Fact]
    public async Task Past_the_remembered_keys_updates_still_go_through_in_the_order_they_came()
    {
        var inbox = new Inbox(lastSeq: 0, pageSize: 10);
        var cursor = inbox.CursorAt(0);

        foreach (var index in Enumerable.Range(0, 5000))
        {
            await cursor.Offer(MemoryUpdate($"k{index}", 1));
        }
        await cursor.Offer(MemoryUpdate("k4999", 2));
        await cursor.Offer(MemoryUpdate("k4999", 1));

        inbox.MemoryVersions.Count().ShouldBe(5001);
    }

    [Fact]
    public async Task A_gap_wider_than_a_page_is_filled_over_several_reads_each_after_the_last_delivered()
    {
        var inbox = new Inbox(lastSeq: 10, pageSize: 4);
        var cursor = inbox.CursorAt(0);

        await cursor.Offer(Inbox.Event(1));
        await cursor.Offer(Inbox.Event(10));

        inbox.Delivered.ShouldBe([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        inbox.ReadsAfter.ShouldBe([1, 5, 9]);
        cursor.DeliveredSeq.ShouldBe(10);
    }

    [Fact]
    public async Task The_position_moves_only_once_delivery_returned_so_a_failed_one_comes_again()
    {
        var inbox = new Inbox(lastSeq: 3, pageSize: 10);
        var seenWhileDelivering = new List<long>();
        var moves = 0;
        InboxCursor? cursor = null;
        cursor = new InboxCursor(0, inbox.ReadAfter, item =>
        {
            seenWhileDelivering.Add(cursor!.DeliveredSeq);
            return item.Seq == 2 && seenWhileDelivering.Count == 2 ? throw new InvalidOperationException("handler gone") : Task.CompletedTask;
        }, () => moves++);

        await Should.ThrowAsync<InvalidOperationException>(cursor.CatchUp());
        cursor.DeliveredSeq.ShouldBe(1);
        await cursor.CatchUp();

        seenWhileDelivering.ShouldBe([0, 1, 1, 2]);
        cursor.DeliveredSeq.ShouldBe(3);
        moves.ShouldBe(3);
    }

    [Fact]
    public void Moving_past_a_lower_seq_leaves_the_position()
    {
        var cursor = new Inbox(lastSeq: 0, pageSize: 10).CursorAt(6);

        cursor.MovePast(4);
        cursor.DeliveredSeq.ShouldBe(6);
        cursor.MovePast(8);
        cursor.DeliveredSeq.ShouldBe(8);
    }

    private static AgentEvent MemoryUpdate(string key, long version, bool snapshot = false) => new(EventNames.MemoryUpdated, null,
        RawJson.Serialize(new MemoryUpdated(key, version, "writer", DateTimeOffset.UnixEpoch, RawJson.Parse($"{version}"), Deleted: false, Snapshot: snapshot),
            AgentChannelJson.Options));

    /// <summary>An agent's inbox holding seqs 1..lastSeq, read as the grain answers, and what a cursor handed on.</summary>
    private sealed class Inbox(long lastSeq, int pageSize)
    {
        private readonly List<AgentEvent> _events = [.. Enumerable.Range(1, (int)lastSeq).Select(seq => Event(seq, "inbox"))];
        private readonly List<AgentEvent> _handed = [];

        public List<long> ReadsAfter { get; } = [];

        public IEnumerable<long> Delivered => _handed.Select(item => item.Seq!.Value);

        public IEnumerable<string> Sources => _handed.Select(item => item.Data.Text.Trim('"'));

        public IEnumerable<string> Names => _handed.Select(item => item.Event);

        public IEnumerable<(string Key, long Version, bool Snapshot)> MemoryVersions => _handed
            .Select(item => item.Data.Deserialize<MemoryUpdated>(AgentChannelJson.Options)!)
            .Select(update => (update.Key, update.Version, update.Snapshot));

        public static AgentEvent Event(long seq, string source = "live") =>
            new(EventNames.MessageReceived, seq, RawJson.Serialize(source));

        public InboxCursor CursorAt(long deliveredSeq) => new(deliveredSeq, ReadAfter, Hand);

        public Task<InboxPage> ReadAfter(long afterSeq)
        {
            ReadsAfter.Add(afterSeq);
            var after = _events.Where(item => item.Seq > afterSeq).ToList();
            return Task.FromResult(new InboxPage([.. after.Take(pageSize)], after.Count > pageSize));
        }

        private Task Hand(AgentEvent item)
        {
            _handed.Add(item);
            return Task.CompletedTask;
        }
    }
}
