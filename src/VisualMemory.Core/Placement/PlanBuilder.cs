namespace VisualMemory.Core.Placement;

/// <summary>
/// Builds one <see cref="PlacementPlan"/> from a snapshot. The planner keeps no state between calls,
/// so every decision is re-derived from the replicas' states; that is what lets a move finish in a
/// later call once its new replica shows up Ready.
/// </summary>
internal sealed class PlanBuilder
{
    private readonly PlacementOptions options;
    private readonly Dictionary<string, PlacementNode> nodes = new(StringComparer.Ordinal);
    private readonly List<PlacementNode> eligible;
    private readonly List<ShardWork> shards;
    private readonly Dictionary<(string Memory, int Shard), ShardWork> byKey = [];

    // Bytes each live node will hold once the plan, and the moves already in flight, complete.
    private readonly Dictionary<string, long> projected = new(StringComparer.Ordinal);

    private readonly List<PlacementStep> steps = [];
    private readonly List<string> notes = [];
    private readonly List<ReplicaMove> pendingMoves = [];
    private int budget;

    public PlanBuilder(
        IReadOnlyList<PlacementNode> nodes,
        IReadOnlyList<ShardDemand> shards,
        IReadOnlyList<ReplicaAssignment> current,
        PlacementOptions options)
    {
        this.options = options;
        foreach (var node in nodes)
        {
            ArgumentNullException.ThrowIfNull(node);
            if (!this.nodes.TryAdd(node.Name, node))
                throw new ArgumentException($"Node '{node.Name}' is listed twice.", nameof(nodes));
            if (node.Alive)
                projected[node.Name] = 0;
        }
        eligible = [.. this.nodes.Values.Where(n => n.Eligible).OrderBy(n => n.Name, StringComparer.Ordinal)];

        foreach (var demand in shards)
        {
            ArgumentNullException.ThrowIfNull(demand);
            if (demand.ReplicationFactor < 1)
                throw new ArgumentOutOfRangeException(nameof(shards), $"Shard {demand.Memory}/{demand.Shard} has replication factor {demand.ReplicationFactor}; it must be at least 1.");
            if (demand.Bytes < 0)
                throw new ArgumentOutOfRangeException(nameof(shards), $"Shard {demand.Memory}/{demand.Shard} has negative size {demand.Bytes}.");
            if (!byKey.TryAdd((demand.Memory, demand.Shard), new ShardWork(demand)))
                throw new ArgumentException($"Shard {demand.Memory}/{demand.Shard} is demanded twice.", nameof(shards));
        }
        // Biggest shards first: placing large items before small ones balances bytes better (LPT).
        this.shards = [.. byKey.Values
            .OrderByDescending(w => w.Demand.Bytes)
            .ThenBy(w => w.Demand.Memory, StringComparer.Ordinal)
            .ThenBy(w => w.Demand.Shard)];

        Load(current);
    }

    public PlacementPlan Build()
    {
        budget = options.MaxConcurrentMoves - shards.Sum(w => w.Replicas.Count(r => r.State == ReplicaState.Loading));
        MarkLeaving();
        foreach (var w in shards)
            foreach (var r in w.Replicas.Where(r => !r.Leaving))
                projected[r.Node] += w.Demand.Bytes;

        AddForOperatorMoves();
        Repair();
        Evacuate();
        RetireLeaving();
        DropExtras();
        if (options.Rebalance)
            Rebalance();

        return new PlacementPlan(steps, Shortfalls(), pendingMoves, notes);
    }

    // Rule 2: replicas on dead or unknown nodes serve nothing, so they go at once; their shards are
    // then under-replicated and repaired below. Replicas of shards no longer demanded go too.
    private void Load(IReadOnlyList<ReplicaAssignment> current)
    {
        var ordered = current
            .Select(a => a ?? throw new ArgumentException("An assignment is null.", nameof(current)))
            .OrderBy(a => a.Memory, StringComparer.Ordinal)
            .ThenBy(a => a.Shard)
            .ThenBy(a => a.Node, StringComparer.Ordinal)
            .ThenBy(a => a.State);
        foreach (var a in ordered)
        {
            var label = $"{a.Memory}/{a.Shard}";
            if (!nodes.TryGetValue(a.Node, out var node))
            {
                Emit(PlacementStepKind.Remove, a.Memory, a.Shard, a.Node, $"node {a.Node} is not a known node; {label} is re-placed on a live node");
                continue;
            }
            if (!node.Alive)
            {
                Emit(PlacementStepKind.Remove, a.Memory, a.Shard, a.Node, $"node {a.Node} is dead; {label} is re-placed on a live node");
                continue;
            }
            if (!byKey.TryGetValue((a.Memory, a.Shard), out var work))
            {
                Emit(PlacementStepKind.Remove, a.Memory, a.Shard, a.Node, $"{label} is no longer demanded");
                continue;
            }
            var twin = work.Replicas.Find(r => r.Node == a.Node);
            if (twin is null)
            {
                work.Replicas.Add(new PlannedReplica(a.Node, a.State, planned: false));
                continue;
            }
            // Two records for one replica: keep the one that serves (Ready before Loading before Draining).
            notes.Add($"{label} is recorded twice on node {a.Node}; treated as one {Best(twin.State, a.State)} replica");
            twin.State = Best(twin.State, a.State);
        }
    }

    private static ReplicaState Best(ReplicaState x, ReplicaState y) =>
        x == ReplicaState.Ready || y == ReplicaState.Ready ? ReplicaState.Ready
        : x == ReplicaState.Loading || y == ReplicaState.Loading ? ReplicaState.Loading
        : ReplicaState.Draining;

    private void MarkLeaving()
    {
        foreach (var w in shards)
            foreach (var r in w.Replicas)
            {
                if (r.State == ReplicaState.Draining)
                    r.LeaveReason = "replica has drained";
                else if (nodes[r.Node].Draining)
                    r.LeaveReason = $"node {r.Node} is draining";
            }

        foreach (var move in options.RequestedMoves)
        {
            ArgumentNullException.ThrowIfNull(move);
            var label = $"{move.Memory}/{move.Shard}";
            if (!byKey.TryGetValue((move.Memory, move.Shard), out var w))
            {
                notes.Add($"move of {label} from {move.FromNode} to {move.ToNode} dropped: no such shard");
                continue;
            }
            var from = w.Replicas.Find(r => r.Node == move.FromNode && r.State != ReplicaState.Draining);
            if (from is null)
                continue; // Done (or overtaken): the source no longer serves the shard.
            if (w.MoveTarget is not null)
            {
                notes.Add($"move of {label} from {move.FromNode} to {move.ToNode} waits: {label} is already moving to {w.MoveTarget}");
                pendingMoves.Add(move);
                continue;
            }
            var refusal = MoveRefusal(w, move.ToNode);
            if (refusal is not null)
            {
                notes.Add($"move of {label} from {move.FromNode} to {move.ToNode} dropped: {refusal}");
                continue;
            }
            from.LeaveReason = $"operator moves {label} from {move.FromNode} to {move.ToNode}";
            w.MoveTarget = move.ToNode;
            pendingMoves.Add(move);
        }
    }

    /// <summary>Why <paramref name="target"/> cannot take a new replica of the shard, or null if it can.</summary>
    private string? MoveRefusal(ShardWork w, string target)
    {
        if (!nodes.TryGetValue(target, out var node))
            return $"node {target} is not a known node";
        if (!node.Alive)
            return $"node {target} is dead";
        if (node.Draining)
            return $"node {target} is draining";
        var held = w.Replicas.Find(r => r.Node == target);
        if (held is not null && held.State == ReplicaState.Draining)
            return $"node {target} still holds a draining replica of {w.Label}";
        return null;
    }

    // Rule 4 for operator moves: the new replica goes exactly where the operator asked.
    private void AddForOperatorMoves()
    {
        foreach (var w in shards.Where(w => w.MoveTarget is not null))
        {
            if (w.Holds(w.MoveTarget!))
                continue; // Added by an earlier plan; waiting for it to become Ready.
            AddReplica(w, w.MoveTarget!, $"operator move of {w.Label} to {w.MoveTarget}; the old replica serves until this one is Ready");
            budget--;
        }
    }

    // Rules 2 and 3: lost replicas are replaced at once, whatever the move budget, because the
    // shard is below its factor of serving replicas. Ready replicas on their way out still count
    // here; replacing those is an evacuation, which the budget paces.
    private void Repair()
    {
        foreach (var w in shards)
        {
            var serving = w.StayingCount + w.Replicas.Count(r => r.Leaving && !r.Removed && r.State == ReplicaState.Ready);
            for (var missing = w.Demand.ReplicationFactor - serving; missing > 0; missing--)
            {
                if (!Place(w, $"under-replicated: {w.Demand.ReplicationFactor - missing} of {w.Demand.ReplicationFactor} replicas serve"))
                    break;
                budget--;
            }
        }
    }

    // Rule 4 for draining nodes: make before break, paced by the move budget.
    private void Evacuate()
    {
        var waiting = 0;
        foreach (var w in shards)
        {
            var leavingReady = w.Replicas.Where(r => r.Leaving && r.State == ReplicaState.Ready).ToList();
            var need = Math.Min(w.Demand.ReplicationFactor - w.StayingCount, leavingReady.Count);
            for (; need > 0; need--)
            {
                if (budget <= 0)
                {
                    waiting += need;
                    break;
                }
                if (!Place(w, $"{leavingReady[^need].LeaveReason}; the old replica serves until this one is Ready"))
                    break;
                budget--;
            }
        }
        if (waiting > 0)
            notes.Add($"{waiting} replica(s) wait to leave draining nodes: {options.MaxConcurrentMoves} move(s) already in flight");
    }

    // Rule 4, second half: a leaving replica stops serving only once enough staying replicas are
    // Ready. With fewer eligible nodes than the factor, as many as there are suffice (but at least
    // one, so draining every node never leaves a shard without a server).
    private void RetireLeaving()
    {
        foreach (var w in shards)
        {
            var required = Math.Max(1, Math.Min(w.Demand.ReplicationFactor, eligible.Count));
            var ready = w.StayingReadyCount;
            foreach (var r in w.Replicas.Where(r => r.Leaving && !r.Handled))
            {
                switch (r.State)
                {
                    case ReplicaState.Draining:
                        Retire(w, r, PlacementStepKind.Remove, r.LeaveReason!);
                        break;
                    case ReplicaState.Loading:
                        Retire(w, r, PlacementStepKind.Remove, $"{r.LeaveReason}; it was still loading");
                        break;
                    case ReplicaState.Ready when ready >= required:
                        Retire(w, r, PlacementStepKind.MarkDraining, $"{r.LeaveReason}; {ready} other replica(s) Ready");
                        break;
                    default:
                        w.Busy = true; // Waiting for its replacement.
                        break;
                }
            }
        }
    }

    // Rule 6: once a completed move leaves more Ready replicas than wanted, the one on the most
    // loaded node goes. While the new replica still loads, that future drop is already counted in
    // the projected bytes, so rebalancing does not pile more moves onto the same node.
    private void DropExtras()
    {
        foreach (var w in shards)
        {
            var factor = w.Demand.ReplicationFactor;
            var readyByLoad = w.Replicas.Where(r => r.StayingReady).OrderBy(r => r.Node, Heaviest).ToList();
            if (readyByLoad.Count > factor)
            {
                foreach (var r in readyByLoad.Take(readyByLoad.Count - factor))
                    Retire(w, r, PlacementStepKind.MarkDraining, $"over-replicated: {readyByLoad.Count} Ready replicas for factor {factor}; node {r.Node} is the most loaded holder");
                w.Busy = true;
            }
            else if (w.StayingCount > factor)
            {
                foreach (var r in readyByLoad.Take(Math.Min(readyByLoad.Count, w.StayingCount - factor)))
                    projected[r.Node] -= w.Demand.Bytes;
                w.Busy = true;
            }
        }
    }

    // Rule 5: greedy moves from the heaviest to the lightest eligible node, each strictly lowering
    // the sum of squared loads, so the loop (and the sequence of plans) ends.
    private void Rebalance()
    {
        foreach (var w in shards.Where(w => w.Replicas.Exists(r => r.Planned || r.Leaving || r.State == ReplicaState.Loading)))
            w.Busy = true;

        while (budget > 0 && eligible.Count > 1)
        {
            var heavy = eligible.OrderBy(n => n.Name, Heaviest).First();
            var move = eligible
                .Where(light => projected[light.Name] < projected[heavy.Name])
                .OrderBy(n => n.Name, Lightest)
                .Select(light => (light, w: BestToMove(heavy.Name, light.Name)))
                .FirstOrDefault(c => c.w is not null);
            if (move.w is null)
                break;

            var w = move.w;
            long h = projected[heavy.Name], l = projected[move.light.Name];
            AddReplica(w, move.light.Name, $"rebalance: node {heavy.Name} holds {h} bytes, node {move.light.Name} {l}; moving {w.Label} ({w.Demand.Bytes} bytes)");
            projected[heavy.Name] -= w.Demand.Bytes;
            w.Busy = true;
            budget--;
        }
    }

    private ShardWork? BestToMove(string heavy, string light)
    {
        long h = projected[heavy], l = projected[light];
        var gap = h - l;
        if (gap <= 0)
            return null;
        ShardWork? best = null;
        long bestGain = 0;
        foreach (var w in shards)
        {
            var b = w.Demand.Bytes;
            if (w.Busy || b <= 0 || b >= gap || w.Holds(light) || !w.Replicas.Exists(r => r.Node == heavy && r.StayingReady))
                continue;
            var gain = gap - Math.Abs(gap - (2 * b));
            // Shards are visited largest first and then by name, so a strict comparison keeps the tie-break.
            if (gain > bestGain && gain > options.ImbalanceTolerance * h)
            {
                best = w;
                bestGain = gain;
            }
        }
        return best;
    }

    /// <summary>Adds a replica on the eligible node with the fewest projected bytes that lacks the shard.</summary>
    private bool Place(ShardWork w, string reason)
    {
        var target = eligible
            .Where(n => !w.Holds(n.Name))
            .OrderBy(n => n.Name, Lightest)
            .FirstOrDefault();
        if (target is null)
        {
            w.Starved = true;
            return false;
        }
        AddReplica(w, target.Name, reason);
        return true;
    }

    private void AddReplica(ShardWork w, string node, string reason)
    {
        w.Replicas.Add(new PlannedReplica(node, ReplicaState.Loading, planned: true));
        projected[node] += w.Demand.Bytes;
        Emit(PlacementStepKind.Add, w.Demand.Memory, w.Demand.Shard, node, reason);
    }

    private void Retire(ShardWork w, PlannedReplica r, PlacementStepKind kind, string reason)
    {
        if (!r.Leaving)
            projected[r.Node] -= w.Demand.Bytes;
        r.LeaveReason ??= reason;
        r.Handled = true;
        if (kind == PlacementStepKind.Remove)
            r.Removed = true;
        else
            r.State = ReplicaState.Draining;
        Emit(kind, w.Demand.Memory, w.Demand.Shard, r.Node, reason);
    }

    private void Emit(PlacementStepKind kind, string memory, int shard, string node, string reason) =>
        steps.Add(new PlacementStep(kind, memory, shard, node, reason));

    private List<ShardShortfall> Shortfalls() =>
        [.. shards
            .Where(w => w.Starved && w.StayingCount < w.Demand.ReplicationFactor)
            .OrderBy(w => w.Demand.Memory, StringComparer.Ordinal)
            .ThenBy(w => w.Demand.Shard)
            .Select(w => new ShardShortfall(
                w.Demand.Memory, w.Demand.Shard, w.Demand.ReplicationFactor, w.StayingCount, eligible.Count,
                $"{w.Label} wants {w.Demand.ReplicationFactor} replicas but only {eligible.Count} node(s) are alive and not draining"))];

    // Orders node names by projected bytes, then reported bytes, then name.
    private IComparer<string> Lightest => Comparer<string>.Create((x, y) =>
    {
        var c = projected[x].CompareTo(projected[y]);
        if (c == 0)
            c = nodes[x].BytesHosted.CompareTo(nodes[y].BytesHosted);
        return c != 0 ? c : string.CompareOrdinal(x, y);
    });

    // Heaviest first; equal loads still fall back to the name in ascending order.
    private IComparer<string> Heaviest => Comparer<string>.Create((x, y) =>
    {
        var c = projected[y].CompareTo(projected[x]);
        if (c == 0)
            c = nodes[y].BytesHosted.CompareTo(nodes[x].BytesHosted);
        return c != 0 ? c : string.CompareOrdinal(x, y);
    });
}
