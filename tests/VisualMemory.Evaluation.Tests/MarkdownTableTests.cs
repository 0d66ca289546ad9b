using VisualMemory.Evaluation.Reporting;

namespace VisualMemory.Evaluation.Tests;

public class MarkdownTableTests
{
    [Fact]
    public void Renders_header_separator_and_rows()
    {
        var table = MarkdownTable.Render(["aggregation", "k", "top-1"], [["rank", "10", "0.836"], ["softmax", "10"]]);
        Assert.Equal(
            "| aggregation | k | top-1 |\n" +
            "| --- | --- | --- |\n" +
            "| rank | 10 | 0.836 |\n" +
            "| softmax | 10 |  |\n",
            table);
    }

    [Fact]
    public void Pipes_and_line_breaks_cannot_split_the_table()
    {
        var table = MarkdownTable.Render(["a|b"], [["x | y"], ["two\r\nlines\nhere"], [null]]);
        Assert.Equal("| a\\|b |\n| --- |\n| x \\| y |\n| two lines here |\n|  |\n", table);
    }

    [Fact]
    public void Bad_shapes_are_refused()
    {
        Assert.Throws<ArgumentException>(() => MarkdownTable.Render([], []));
        Assert.Throws<ArgumentException>(() => MarkdownTable.Render(["a"], [["1", "2"]]));
        Assert.Throws<ArgumentException>(() => MarkdownTable.Render(["a"], [null!]));
        Assert.Throws<ArgumentNullException>(() => MarkdownTable.Render(null!, []));
    }
}
