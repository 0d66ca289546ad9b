namespace VisualMemory.Storage.Tests;

public sealed class S3ServerFixtureTests
{
    [Fact]
    public void A_missing_s3rver_fails_with_a_message_to_run_setup()
    {
        var e = Assert.Throws<InvalidOperationException>(() => S3ServerFixture.LocateS3rver(Path.GetTempPath()));
        Assert.Contains("run scripts/setup.sh", e.Message, StringComparison.Ordinal);
    }
}
