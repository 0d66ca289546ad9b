namespace VisualMemory.ControlPlane;

/// <summary>One shard of a memory, with the replica that orders its writes.</summary>
/// <param name="Memory">The memory.</param>
/// <param name="Shard">The shard number.</param>
/// <param name="Epoch">The shard's assignment epoch, bumped by every placement change of the shard.</param>
/// <param name="PrimaryNode">
/// The node whose replica orders writes and forwards them to the other replicas; null until the
/// controller first chooses one. It stays recorded after that node dies, as the last primary: when no
/// replica is Ready, that node's stored copy is the newest there is.
/// </param>
/// <param name="PrimaryTerm">The shard epoch at which <paramref name="PrimaryNode"/> became primary (0: never set); a newer primary always has a higher term, which fences writes of an old one.</param>
/// <param name="StoredBytes">The shard's bytes in object storage as its primary last reported them (0 until then); placement balances nodes by these.</param>
public sealed record ShardRecord(string Memory, int Shard, long Epoch, string? PrimaryNode, long PrimaryTerm, long StoredBytes = 0);
