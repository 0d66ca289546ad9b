using Google.Protobuf;
using VisualMemory.Cluster.Protocol;
using VisualMemory.Cluster.Transport;
using VisualMemory.Core.Pruning;
using VisualMemory.Core.Search;

namespace VisualMemory.Cluster.Tests;

public class ShardSearchCodecTests
{
    private static readonly string[] HostLabels = ["cat", "dog", "car"];

    [Fact]
    public void Hits_survive_the_wire_with_labels_mapped_into_the_receivers_vocabulary()
    {
        Neighbor[][] results =
        [
            [new(7, 2, 0.9f, 1f), new(3, 0, 0.8f, 0.5f), new(9, 2, 0.7f, 1f)],
            [],
            [new(-4, 1, -0.25f, 0.125f)],
        ];
        var wire = ShardSearchCodec.Encode(results, i => HostLabels[i]);
        // Only the labels used travel, once each.
        Assert.Equal(["car", "cat", "dog"], wire.Labels);
        var parsed = ShardSearchResponse.Parser.ParseFrom(wire.ToByteArray());
        string[] receiver = ["dog", "car", "cat"];
        var decoded = ShardSearchCodec.Decode(parsed, name => Array.IndexOf(receiver, name));
        Assert.Equal(results.Length, decoded.Length);
        for (var q = 0; q < results.Length; q++)
        {
            Assert.Equal(results[q].Select(n => (n.Id, HostLabels[n.Label], n.Similarity, n.Reliability)),
                decoded[q].Select(n => (n.Id, receiver[n.Label], n.Similarity, n.Reliability)));
        }
    }

    [Fact]
    public void Malformed_responses_are_refused_naming_the_query()
    {
        var ragged = new ShardSearchResponse { Labels = { "cat" } };
        ragged.Queries.Add(new QueryHits { Ids = { 1, 2 }, Labels = { 0 }, Similarities = { 0.5f, 0.4f }, Reliabilities = { 1, 1 } });
        Assert.Contains("query 0", Assert.Throws<InvalidDataException>(() => ShardSearchCodec.Decode(ragged, _ => 0)).Message, StringComparison.Ordinal);

        var outOfTable = new ShardSearchResponse { Labels = { "cat" } };
        outOfTable.Queries.Add(new QueryHits { Ids = { 1 }, Labels = { 3 }, Similarities = { 0.5f }, Reliabilities = { 1 } });
        Assert.Contains("label index 3", Assert.Throws<InvalidDataException>(() => ShardSearchCodec.Decode(outOfTable, _ => 0)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(PruningMode.None)]
    [InlineData(PruningMode.Hard)]
    [InlineData(PruningMode.Soft)]
    public void Pruning_modes_round_trip(PruningMode? mode) =>
        Assert.Equal(mode, ShardSearchCodec.FromWire(ShardSearchCodec.ToWire(mode)));

    [Fact]
    public void An_unknown_wire_pruning_value_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardSearchCodec.FromWire((Protocol.Pruning)42));
}
