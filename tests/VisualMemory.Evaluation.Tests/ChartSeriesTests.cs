using VisualMemory.Evaluation.Reporting;

namespace VisualMemory.Evaluation.Tests;

public class ChartSeriesTests
{
    [Fact]
    public void KeepsPointsInOrder()
    {
        var series = new ChartSeries("rank", [(1, 0.8), (10, 0.85)]);
        Assert.Equal(10, series.Points[1].X);
    }
}
