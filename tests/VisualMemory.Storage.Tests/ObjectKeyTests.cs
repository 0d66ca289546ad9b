using VisualMemory.Storage;

namespace VisualMemory.Storage.Tests;

public sealed class ObjectKeyTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("memories/m1/shard-0003/segment-000042/index.faiss")]
    [InlineData("a.b/.hidden/c~d/e f")]
    public void Valid_keys_pass(string key)
    {
        Assert.True(ObjectKey.IsValid(key));
        ObjectKey.Validate(key);
    }

    [Theory]
    [InlineData("a//b", "empty segment")]
    [InlineData("../x", "'..' segment")]
    [InlineData("/x", "starts with '/'")]
    [InlineData(@"x\y", "backslash")]
    public void Errors_say_which_rule_is_broken(string key, string rule)
    {
        var e = Assert.Throws<ArgumentException>(() => ObjectKey.Validate(key));
        Assert.Contains(rule, e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{key}'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("a/")]
    [InlineData("a/.")]
    [InlineData("a/..")]
    [InlineData("memories/m1/shard-")]
    public void Prefixes_that_can_begin_a_key_pass(string prefix) => ObjectKey.ValidatePrefix(prefix);
}
