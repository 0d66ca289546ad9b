using VisualMemory.Core.Placement;

namespace VisualMemory.Core.Tests.Placement;

/// <summary>The placement rules as assertions, shared by the example and the property tests.</summary>
public static class PlacementInvariants
{
    /// <summary>Rule 1: no node holds two replicas of a shard.</summary>
    public static void NoColocation(ClusterState state)
    {
        var twice = state.Replicas.GroupBy(r => (r.Memory, r.Shard, r.Node)).FirstOrDefault(g => g.Count() > 1);
        Assert.True(twice is null, $"two replicas of {twice?.Key} on one node");
    }

    /// <summary>Rule 1: every Add targets a node that was alive and not draining when planned.</summary>
    public static void AddsOnlyToEligible(PlacementPlan plan, ClusterState before)
    {
        foreach (var step in plan.Steps.Where(s => s.Kind == PlacementStepKind.Add))
            Assert.True(before.Node(step.Node).Eligible, $"add on ineligible node: {step}");
    }

    /// <summary>Make-before-break: every shard keeps at least min(RF, eligible nodes) Ready replicas.</summary>
    public static void ReadyFloor(ClusterState state)
    {
        foreach (var shard in state.Shards)
        {
            var floor = Math.Min(shard.ReplicationFactor, state.EligibleNodes);
            Assert.True(state.Ready(shard) >= floor,
                $"{shard.Memory}/{shard.Shard} has {state.Ready(shard)} Ready replicas, below {floor}");
        }
    }

    /// <summary>
    /// Make-before-break, tick by tick: planned steps never take a shard's Ready count below
    /// min(RF, eligible nodes). Measured against the count before the tick, because a node joining
    /// raises the floor before any new replica can have loaded.
    /// </summary>
    public static void NoReadyLoss(ClusterState before, ClusterState after)
    {
        foreach (var shard in after.Shards)
        {
            var floor = Math.Min(before.Ready(shard), Math.Min(shard.ReplicationFactor, after.EligibleNodes));
            Assert.True(after.Ready(shard) >= floor,
                $"{shard.Memory}/{shard.Shard} went from {before.Ready(shard)} to {after.Ready(shard)} Ready replicas, below {floor}");
        }
    }

    /// <summary>Rule 1 and make-before-break, for one simulated tick.</summary>
    public static void Safe(PlacementPlan plan, ClusterState before, ClusterState after)
    {
        AddsOnlyToEligible(plan, before);
        NoColocation(after);
        NoReadyLoss(before, after);
    }
}
