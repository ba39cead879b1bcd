using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>The ids keyed creates get: stable per caller and key, and in time order when the key is.</summary>
public sealed class IdempotencyKeyTests
{
    [Fact]
    public void A_key_gives_its_caller_the_same_id_every_time_and_another_caller_another_id()
    {
        foreach (var key in new[] { new IdempotencyKey("order-42"), IdempotencyKey.New() })
        {
            var id = key.DerivedId(KeyedIds.Message, Caller.Agent("Alice"));
            key.DerivedId(KeyedIds.Message, Caller.Agent("alice")).ShouldBe(id);
            key.DerivedId(KeyedIds.Message, Caller.Agent("bob")).ShouldNotBe(id);
            key.DerivedId(KeyedIds.Task, Caller.Agent("alice")).ShouldNotBe(id);
            id.Version.ShouldBe(8);
            (id.Variant & 0b1100).ShouldBe(0b1000);
        }
    }

    [Fact]
    public void The_id_of_a_version_7_key_keeps_its_timestamp_so_keyed_ids_follow_time()
    {
        var key = IdempotencyKey.New();
        Guid.Parse(key.Value).Version.ShouldBe(7);
        var id = key.DerivedId(KeyedIds.Message, Caller.Agent("alice"));
        id.ToString()[..13].ShouldBe(key.Value[..13]);

        var ids = Enumerable.Range(0, 50).Select(i => new IdempotencyKey(Guid.CreateVersion7(DateTimeOffset.UnixEpoch.AddDays(20_000).AddMilliseconds(i)).ToString())
            .DerivedId(KeyedIds.Message, Caller.Agent("alice")).ToString()).ToList();
        ids.ShouldBe(ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_key_that_is_not_a_version_7_uuid_gives_an_id_of_hash_bits_only()
    {
        var v4 = new IdempotencyKey("0b3f1c9e-5d2a-4e7b-9c1d-2a3b4c5d6e7f");
        v4.DerivedId(KeyedIds.Message, Caller.Agent("alice")).ToString()[..8].ShouldNotBe("0b3f1c9e");
    }
}
