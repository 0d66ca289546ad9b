using System.Data.Common;
using static VisualMemory.ControlPlane.SqlCommands;

namespace VisualMemory.ControlPlane;

/// <summary>The SQL a store uses to demote a replica (its own dialect).</summary>
/// <param name="BumpEpochIfPrimary">Increments the shard's epoch and returns it, only while the given node is primary in the given term.</param>
/// <param name="DemoteAssignment">Sets a Loading or Ready replica to Loading with the new epoch.</param>
internal sealed record DemotionStatements(string BumpEpochIfPrimary, string DemoteAssignment);

/// <summary>
/// Takes a replica out of a shard's in-sync set on its primary's word, inside the caller's
/// transaction. The caller commits on true and rolls back on false, so a refused demotion writes nothing.
/// </summary>
internal static class ReplicaDemotion
{
    public static async Task<bool> DemoteAsync(DbConnection connection, DbTransaction transaction, DemotionStatements sql,
        string memory, int shard, string node, string primaryNode, long primaryTerm, CancellationToken cancellationToken)
    {
        // The term check and the epoch bump are one statement on the shard row, so a SetPrimary that
        // committed first (a new term) makes this match nothing: a deposed primary cannot demote anyone.
        var epoch = await ScalarAsync(connection, transaction, sql.BumpEpochIfPrimary, cancellationToken,
            ("memory", memory), ("shard", shard), ("primary", primaryNode), ("term", primaryTerm)).ConfigureAwait(false);
        if (epoch is null)
        {
            return false;
        }
        // The new epoch makes the replica's pending Ready report (carrying the old epoch) fail, so it
        // must catch up and report again before it counts as in sync.
        return await ExecuteAsync(connection, transaction, sql.DemoteAssignment, cancellationToken,
            ("memory", memory), ("shard", shard), ("node", node), ("epoch", (long)epoch)).ConfigureAwait(false) == 1;
    }
}
