using VisualMemory.ControlPlane;

namespace VisualMemory.Cli.Tests;

/// <summary>
/// vm shards move, vm nodes drain, vm rebalance and vm operations against an embedded server, whose
/// SQLite control plane the test also opens to register shard hosts that never finish loading.
/// </summary>
public sealed class OperatorCliTests : CliHarness
{
    [Fact]
    public async Task Bad_arguments_exit_2_with_a_clear_message()
    {
        var cases = new (string[] Args, string Message)[]
        {
            (["shards", "move", "m"], "needs MEMORY and SHARD"),
            (["shards", "move", "m", "x", "--from", "a", "--to", "b"], "SHARD must be a shard number"),
            (["shards", "move", "m", "0", "--to", "b"], "--from is required"),
            (["shards", "move", "m", "0", "--from", "a"], "--to is required"),
            (["shards", "split", "m", "0"], "unknown shards action"),
            (["shards"], "shards needs an action"),
            (["nodes", "drain"], "needs one NODE"),
            (["nodes", "drain", "a", "--undrain", "--wait"], "an undrain has nothing to wait for"),
            (["nodes", "evict", "a"], "unknown nodes action"),
        };
        foreach (var (args, message) in cases)
        {
            var run = await Vm(args);
            Assert.True(run.Exit == 2, $"{string.Join(' ', args)}: exit {run.Exit}: {run.Error}");
            Assert.Contains(message, run.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Server_refusals_exit_4_with_the_servers_reason()
    {
        var unknownMemory = await Vm("shards", "move", "nope", "0", "--from", "a", "--to", "b");
        Assert.Equal(4, unknownMemory.Exit);
        Assert.Contains("404", unknownMemory.Error, StringComparison.Ordinal);
        Assert.Contains("no memory named 'nope'", unknownMemory.Error, StringComparison.Ordinal);

        var unknownNode = await Vm("nodes", "drain", "ghost");
        Assert.Equal(4, unknownNode.Exit);
        Assert.Contains("no node named 'ghost'", unknownNode.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Move_drain_rebalance_and_operations_print_what_was_accepted_and_the_progress()
    {
        // Any call starts the server, which migrates the control plane.
        Assert.Equal(0, (await Vm("nodes")).Exit);
        await using var store = new SqliteClusterStore(Path.Combine(Directory, "data", "cluster.db"));
        var hour = TimeSpan.FromHours(1);
        foreach (var name in new[] { "host-a", "host-b", "host-c" })
        {
            await store.RegisterNodeAsync(name, "http://" + name, NodeRoles.ShardHost, hour);
        }
        Assert.True(await store.CreateMemoryAsync("cm", "{}", 1, 1));
        // The embedded node's controller places the shard at its next heartbeat.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        IReadOnlyList<AssignmentRecord> placed;
        while ((placed = await store.ListAssignmentsAsync("cm")).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the shard was never placed");
            await Task.Delay(50);
        }
        var source = placed[0].Node;
        var target = new[] { "host-a", "host-b", "host-c" }.First(n => n != source);

        // Nothing reports the new replica ready here, so --wait prints progress and gives up with exit 5.
        var move = await Vm("shards", "move", "cm", "0", "--from", source, "--to", target, "--wait", "--timeout", "1", "--interval-ms", "100");
        Assert.True(move.Exit == 5, $"exit {move.Exit}: {move.Output}{move.Error}");
        Assert.Contains($"accepted: move cm/0 from {source} to {target}", move.Output, StringComparison.Ordinal);
        Assert.Contains($"move cm/0 {source} -> {target}: new replica ", move.Output, StringComparison.Ordinal);
        Assert.Contains("still in progress after 1 s", move.Output, StringComparison.Ordinal);

        var operations = await Vm("operations");
        Assert.Equal(0, operations.Exit);
        Assert.Contains($"move cm/0 {source} -> {target}", operations.Output, StringComparison.Ordinal);
        Assert.Equal(operations.Output.Split('\n')[0], (await Vm("nodes", "operations")).Output.Split('\n')[0]);

        var duplicate = await Vm("shards", "move", "cm", "0", "--from", source, "--to", target);
        Assert.Equal(4, duplicate.Exit);
        Assert.Contains("already has a pending move", duplicate.Error, StringComparison.Ordinal);

        var spare = new[] { "host-a", "host-b", "host-c" }.First(n => n != source && n != target);
        var drain = await Vm("nodes", "drain", spare, "--wait", "--timeout", "10", "--interval-ms", "100");
        Assert.True(drain.Exit == 0, $"exit {drain.Exit}: {drain.Output}{drain.Error}");
        Assert.Contains($"accepted: node {spare} draining", drain.Output, StringComparison.Ordinal);
        Assert.Contains($"drain {spare}: empty", drain.Output, StringComparison.Ordinal);
        Assert.Contains("done", drain.Output, StringComparison.Ordinal);
        Assert.Contains(await store.ListNodesAsync(), n => n.Name == spare && n.Draining);

        var undrain = await Vm("nodes", "drain", spare, "--undrain");
        Assert.Equal(0, undrain.Exit);
        Assert.Contains($"accepted: node {spare} no longer draining", undrain.Output, StringComparison.Ordinal);
        Assert.Contains(await store.ListNodesAsync(), n => n.Name == spare && !n.Draining);

        var rebalance = await Vm("rebalance");
        Assert.Equal(0, rebalance.Exit);
        Assert.Contains("accepted: rebalance requested at ", rebalance.Output, StringComparison.Ordinal);
    }
}
