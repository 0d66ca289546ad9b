using System.Text.Json;

namespace VisualMemory.Engine.Tests;

/// <summary>The one JSON form of a memory definition, including the embedding model it names.</summary>
public sealed class MemoryDefinitionJsonTests
{
    private static readonly string Hash = new('a', 64);

    [Fact]
    public void A_definition_with_a_model_round_trips()
    {
        var definition = new MemoryDefinition("m", 3, "Flat", 2, 4, [0.1f, 0.2f, 0.3f], new EmbeddingModelReference("demo-v1", Hash));
        var parsed = MemoryDefinitionJson.Parse(MemoryDefinitionJson.ToUtf8(definition));
        Assert.Equal(definition.Model, parsed.Model);
        Assert.Equal(definition.Center, parsed.Center);
        Assert.Equal((definition.Name, definition.Dimension, definition.Index, definition.Shards, definition.NProbe), (parsed.Name, parsed.Dimension, parsed.Index, parsed.Shards, parsed.NProbe));
        Assert.Empty(definition.Problems());
    }

    [Fact]
    public void A_definition_written_before_models_reads_without_one()
    {
        var parsed = MemoryDefinitionJson.Parse("""{"Name":"old","Dimension":4,"Index":"Flat","Shards":1,"NProbe":8,"Center":null}""");
        Assert.Null(parsed.Model);
        Assert.Equal("old", parsed.Name);
        Assert.Throws<JsonException>(() => MemoryDefinitionJson.Parse("null"));
    }

    [Fact]
    public void A_bad_model_reference_names_its_fields()
    {
        var definition = new MemoryDefinition("m", 3, "Flat", 1, 1, null, new EmbeddingModelReference("bad name!", "ABC"));
        Assert.Equal(["model.name", "model.sha256"], definition.Problems().Select(p => p.Field));
    }
}
