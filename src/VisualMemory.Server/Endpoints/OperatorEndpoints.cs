using VisualMemory.ControlPlane;
using VisualMemory.Core.Placement;
using VisualMemory.Core.Validation;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Contracts;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Endpoints;

/// <summary>
/// Operator requests on placement: move a replica, drain or undrain a node, rebalance, and their
/// progress. Requests are recorded in the control plane and carried out by whichever node is
/// controller (<see cref="PlacementController"/>), so they answer 202 and survive a failover.
/// These will require the admin key once it exists (issue 8); today any caller may use them.
/// </summary>
internal static class OperatorEndpoints
{
    public static void MapOperatorEndpoints(this IEndpointRouteBuilder app)
    {
        var cluster = app.MapGroup("/v1/cluster").WithTags("Cluster");
        cluster.MapPost("/shards/move", Move)
            .WithSummary("Move one replica of a shard to another node, make-before-break: the old replica serves until the new one is Ready (202; progress at GET /v1/cluster/operations).");
        cluster.MapPost("/nodes/{name}/drain", (string name, IClusterStore store, CancellationToken cancellationToken) => SetDraining(name, true, store, cancellationToken))
            .WithSummary("Drain a node: it gets no new replicas and its replicas move away, each only once its replacement is Ready.");
        cluster.MapDelete("/nodes/{name}/drain", (string name, IClusterStore store, CancellationToken cancellationToken) => SetDraining(name, false, store, cancellationToken))
            .WithSummary("Stop draining a node: it may receive replicas again (those already moved stay where they are).");
        cluster.MapPost("/rebalance", async (IClusterStore store, CancellationToken cancellationToken) =>
        {
            var requestedAt = await store.RequestRebalanceAsync(cancellationToken).ConfigureAwait(false);
            return Results.Accepted("/v1/cluster/operations", new RebalanceInfo(requestedAt));
        }).WithSummary("Ask the controller to move replicas from the most to the least loaded nodes until balanced (202).");
        cluster.MapGet("/operations", Operations)
            .WithSummary("Pending moves with the state of their new and old replicas, draining nodes with what they still hold, and whether a rebalance is pending.");
    }

    private static async Task<IResult> Move(HttpRequest request, JsonBody body, IClusterStore store, CancellationToken cancellationToken)
    {
        var (input, problem) = await body.ReadAsync<MoveShardRequest>(request).ConfigureAwait(false);
        if (input is null)
        {
            return problem!;
        }
        var missing = new List<FieldProblem>();
        foreach (var (field, value) in new (string, object?)[] { ("memory", input.Memory), ("shard", input.Shard), ("from", input.From), ("to", input.To) })
        {
            if (value is null || (value is string text && string.IsNullOrWhiteSpace(text)))
            {
                missing.Add(new(field, "is required"));
            }
        }
        if (missing.Count > 0)
        {
            return Problems.Invalid(missing);
        }
        var move = new ReplicaMove(input.Memory!, input.Shard!.Value, input.From!, input.To!);

        var memory = (await store.ListMemoriesAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(m => m.Name == move.Memory);
        if (memory is null)
        {
            return Problems.UnknownMemory(move.Memory);
        }
        if (move.Shard < 0 || move.Shard >= memory.Shards)
        {
            return Problems.Invalid("shard", $"memory '{memory.Name}' has shards 0 to {memory.Shards - 1}, not {move.Shard}");
        }
        var records = await store.ListNodesAsync(cancellationToken).ConfigureAwait(false);
        var nodeProblems = new List<FieldProblem>();
        foreach (var (field, name) in new[] { ("from", move.FromNode), ("to", move.ToNode) })
        {
            var node = records.FirstOrDefault(n => n.Name == name);
            if (node is null)
            {
                nodeProblems.Add(new(field, $"no node named '{name}'"));
            }
            else if (!node.Roles.HasFlag(NodeRoles.ShardHost))
            {
                nodeProblems.Add(new(field, $"node '{name}' is not a shard host ({node.Roles})"));
            }
        }
        if (nodeProblems.Count > 0)
        {
            return Problems.Invalid(nodeProblems);
        }
        if (move.FromNode == move.ToNode)
        {
            return Problems.Invalid("to", "must differ from 'from'");
        }

        // The planner's own check, on the control plane's current state, so what is accepted here is
        // what the controller will carry out.
        var assignments = await store.ListAssignmentsAsync(move.Memory, cancellationToken).ConfigureAwait(false);
        try
        {
            PlacementPlanner.ValidateMove(move, PlacementController.ToPlanner(records), PlacementController.ToPlanner([memory]), PlacementController.ToPlanner(assignments));
        }
        catch (InvalidOperationException e)
        {
            return Problems.Conflict("The move cannot start.", e.Message);
        }
        catch (ArgumentException e)
        {
            return Problems.Invalid("move", e.Message);
        }

        switch (await store.RequestMoveAsync(move.Memory, move.Shard, move.FromNode, move.ToNode, cancellationToken).ConfigureAwait(false))
        {
            case MoveRequestOutcome.Duplicate:
                return Problems.Conflict("A move is already pending.",
                    $"the replica of {move.Memory}/{move.Shard} on node {move.FromNode} already has a pending move; see GET /v1/cluster/operations");
            case MoveRequestOutcome.Invalid:
                return Problems.Conflict("The cluster changed.", $"memory '{move.Memory}' or node {move.FromNode} or {move.ToNode} went away while the move was recorded");
        }
        var recorded = (await store.ListPendingMovesAsync(cancellationToken).ConfigureAwait(false))
            .First(m => m.Memory == move.Memory && m.Shard == move.Shard && m.FromNode == move.FromNode);
        return Results.Accepted("/v1/cluster/operations", new MoveInfo(recorded.Memory, recorded.Shard, recorded.FromNode, recorded.ToNode, recorded.RequestedAt));
    }

    private static async Task<IResult> SetDraining(string name, bool draining, IClusterStore store, CancellationToken cancellationToken) =>
        await store.SetDrainingAsync(name, draining, cancellationToken).ConfigureAwait(false)
            ? Results.Accepted("/v1/cluster/operations", new DrainInfo(name, draining))
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown node.", detail: $"no node named '{name}'");

    private static async Task<IResult> Operations(IClusterStore store, CancellationToken cancellationToken)
    {
        var moves = await store.ListPendingMovesAsync(cancellationToken).ConfigureAwait(false);
        var nodes = await store.ListNodesAsync(cancellationToken).ConfigureAwait(false);
        var assignments = await store.ListAssignmentsAsync(null, cancellationToken).ConfigureAwait(false);
        var rebalance = await store.GetRebalanceRequestAsync(cancellationToken).ConfigureAwait(false);

        string StateOn(string memory, int shard, string node) =>
            assignments.FirstOrDefault(a => a.Memory == memory && a.Shard == shard && a.Node == node)?.State.ToString().ToLowerInvariant() ?? "none";

        var progress = moves.Select(m => new MoveProgress(m.Memory, m.Shard, m.FromNode, m.ToNode, m.RequestedAt,
            StateOn(m.Memory, m.Shard, m.ToNode), StateOn(m.Memory, m.Shard, m.FromNode))).ToList();
        var drains = nodes.Where(n => n.Draining).OrderBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => new DrainProgress(n.Name, n.Alive, assignments.Count(a => a.Node == n.Name))).ToList();
        var done = progress.Count == 0 && drains.All(d => d.Replicas == 0) && rebalance is null;
        return Results.Ok(new OperationsView(progress, drains, rebalance is { } at ? new RebalanceInfo(at) : null,
            assignments.Count(a => a.State == AssignmentState.Loading), done));
    }
}
