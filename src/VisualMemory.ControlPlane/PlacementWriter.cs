using System.Data.Common;
using static VisualMemory.ControlPlane.SqlCommands;

namespace VisualMemory.ControlPlane;

/// <summary>The SQL a store uses to write placement changes (its own dialect).</summary>
/// <param name="BumpShardEpoch">Increments a shard's epoch and returns it (no row: unknown memory or shard).</param>
/// <param name="NodeExists">Returns a row when the node is registered.</param>
/// <param name="AddAssignment">Inserts a Loading replica (unique per shard and node).</param>
/// <param name="RemoveAssignment">Deletes a replica.</param>
/// <param name="DrainAssignment">Marks a replica Draining.</param>
/// <param name="SetPrimary">Makes the node the shard's primary at the new epoch, only if its replica is Ready.</param>
internal sealed record PlacementStatements(string BumpShardEpoch, string NodeExists, string AddAssignment, string RemoveAssignment, string DrainAssignment, string SetPrimary);

/// <summary>
/// Writes a batch of placement changes inside the caller's transaction, after the caller has checked
/// (and, where the database can, locked) the controller lease. Any outcome but Applied means the caller
/// rolls back, so a batch is all or nothing.
/// </summary>
internal static class PlacementWriter
{
    public static async Task<PlacementOutcome> ApplyChangesAsync(DbConnection connection, DbTransaction transaction, PlacementStatements sql,
        IReadOnlyList<PlacementChange> changes, CancellationToken cancellationToken)
    {
        foreach (var change in changes)
        {
            var epoch = await ScalarAsync(connection, transaction, sql.BumpShardEpoch, cancellationToken,
                ("memory", change.Memory), ("shard", change.Shard)).ConfigureAwait(false);
            if (epoch is null)
            {
                return PlacementOutcome.Invalid;
            }
            var parameters = new (string, object)[] { ("memory", change.Memory), ("shard", change.Shard), ("node", change.Node), ("epoch", (long)epoch) };
            switch (change.Kind)
            {
                case PlacementChangeKind.Add:
                    if (await ScalarAsync(connection, transaction, sql.NodeExists, cancellationToken, ("node", change.Node)).ConfigureAwait(false) is null)
                    {
                        return PlacementOutcome.Invalid;
                    }
                    await ExecuteAsync(connection, transaction, sql.AddAssignment, cancellationToken, parameters).ConfigureAwait(false);
                    break;
                case PlacementChangeKind.Remove:
                    if (await ExecuteAsync(connection, transaction, sql.RemoveAssignment, cancellationToken, parameters[..3]).ConfigureAwait(false) != 1)
                    {
                        return PlacementOutcome.Conflict;
                    }
                    break;
                case PlacementChangeKind.MarkDraining:
                    if (await ExecuteAsync(connection, transaction, sql.DrainAssignment, cancellationToken, parameters).ConfigureAwait(false) != 1)
                    {
                        return PlacementOutcome.Conflict;
                    }
                    break;
                case PlacementChangeKind.SetPrimary:
                    // Only a Ready replica holds every acknowledged write; anything else would lose some.
                    if (await ExecuteAsync(connection, transaction, sql.SetPrimary, cancellationToken, parameters).ConfigureAwait(false) != 1)
                    {
                        return PlacementOutcome.Conflict;
                    }
                    break;
                default:
                    return PlacementOutcome.Invalid;
            }
        }
        return PlacementOutcome.Applied;
    }
}
