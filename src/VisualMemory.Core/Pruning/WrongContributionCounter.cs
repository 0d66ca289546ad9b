using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Search;

namespace VisualMemory.Core.Pruning;

/// <summary>
/// Accumulates each memory sample's "wrong contributions" v (research.md §1, memory pruning): every
/// memory sample is classified leave-one-out against the memory; when that prediction is wrong, the
/// neighbours that voted for the wrong predicted label each get +1 (or, with
/// <see cref="CountAllNeighbours"/>, every neighbour of the misclassified query does).
/// </summary>
/// <remarks>
/// Built to run shard-parallel: each worker feeds its own share of the queries to its own counter,
/// and the partial counters are combined with <see cref="Merge"/>, which sums. The total does not
/// depend on how the queries were split. Not thread-safe: use one instance per worker.
/// </remarks>
public sealed class WrongContributionCounter
{
    /// <summary>The paper's k for the leave-one-out pass.</summary>
    public const int DefaultK = 100;

    private readonly Dictionary<long, int> _counts = [];
    // Reused between Add calls so a million-query pass does not allocate a list per query.
    private Neighbor[] _buffer = [];

    /// <summary>Creates an empty counter.</summary>
    /// <param name="aggregation">How the leave-one-out neighbours vote; must be usable (<see cref="AggregationOptions.Problem"/> is null).</param>
    /// <param name="k">Neighbours that vote for each query, after the query's own entry is dropped; at least 1.</param>
    /// <param name="countAllNeighbours">
    /// False (the default, as research.md states it): only neighbours that voted for the wrong predicted
    /// label are counted. True: every neighbour of a misclassified query is counted.
    /// </param>
    public WrongContributionCounter(AggregationOptions aggregation, int k = DefaultK, bool countAllNeighbours = false)
    {
        ArgumentNullException.ThrowIfNull(aggregation);
        var problem = aggregation.Problem();
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(aggregation));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        Aggregation = aggregation;
        K = k;
        CountAllNeighbours = countAllNeighbours;
    }

    /// <summary>How the leave-one-out neighbours vote.</summary>
    public AggregationOptions Aggregation { get; }

    /// <summary>Neighbours that vote for each query once the query itself is dropped.</summary>
    public int K { get; }

    /// <summary>Whether every neighbour of a misclassified query is counted, not only those that voted for the wrong winner.</summary>
    public bool CountAllNeighbours { get; }

    /// <summary>v per memory sample id; samples never blamed are absent (their v is 0). A live view, not a copy.</summary>
    public IReadOnlyDictionary<long, int> Counts => _counts;

    /// <summary>Queries added (directly or through <see cref="Merge"/>).</summary>
    public long QueriesSeen { get; private set; }

    /// <summary>Queries whose leave-one-out prediction was not their true label.</summary>
    public long Misclassified { get; private set; }

    /// <summary>
    /// Classifies memory sample <paramref name="sampleId"/> leave-one-out and, if the prediction is
    /// wrong, blames its neighbours.
    /// </summary>
    /// <param name="sampleId">The id of the memory sample used as the query.</param>
    /// <param name="trueLabel">Its label in the memory.</param>
    /// <param name="neighbours">
    /// Its neighbours in the memory, nearest first, as a search with k + 1 returns them (more are
    /// ignored). Every entry carrying <paramref name="sampleId"/> is dropped wherever it stands:
    /// with duplicate vectors or ties another item can come first, so dropping blindly the first
    /// position would keep the sample voting for itself. If the id is absent nothing is dropped.
    /// The first <see cref="K"/> remaining entries vote.
    /// </param>
    /// <returns>
    /// The leave-one-out classification. A query left with no neighbours has no prediction: it
    /// counts in <see cref="QueriesSeen"/> but is not misclassified, since no neighbour voted.
    /// </returns>
    public Classification Add(long sampleId, int trueLabel, ReadOnlySpan<Neighbor> neighbours)
    {
        // Sized by what the query can fill, not by K: a caller may set K far above any list length.
        var capacity = Math.Min(K, neighbours.Length);
        if (_buffer.Length < capacity)
        {
            _buffer = new Neighbor[capacity];
        }
        var taken = 0;
        foreach (var neighbour in neighbours)
        {
            if (taken == K)
            {
                break;
            }
            if (neighbour.Id != sampleId)
            {
                _buffer[taken++] = neighbour;
            }
        }
        var voters = _buffer.AsSpan(0, taken);
        var result = KnnClassifier.Classify(voters, Aggregation);
        QueriesSeen++;
        if (result.Label is not { } predicted || predicted == trueLabel)
        {
            return result;
        }
        Misclassified++;
        foreach (var voter in voters)
        {
            if (CountAllNeighbours || voter.Label == predicted)
            {
                _counts[voter.Id] = _counts.GetValueOrDefault(voter.Id) + 1;
            }
        }
        return result;
    }

    /// <summary>
    /// Adds <paramref name="other"/>'s partial result (counts, queries, misclassifications) to this
    /// one. Both must have been made with the same settings, or the sum would mean nothing.
    /// <paramref name="other"/> is left unchanged.
    /// </summary>
    public void Merge(WrongContributionCounter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(other, this))
        {
            throw new ArgumentException("a counter cannot be merged into itself: its counts would be doubled", nameof(other));
        }
        if (other.Aggregation != Aggregation || other.K != K || other.CountAllNeighbours != CountAllNeighbours)
        {
            throw new ArgumentException("counters with different aggregation, k or counting rule cannot be merged", nameof(other));
        }
        foreach (var (id, count) in other._counts)
        {
            _counts[id] = _counts.GetValueOrDefault(id) + count;
        }
        QueriesSeen += other.QueriesSeen;
        Misclassified += other.Misclassified;
    }
}
