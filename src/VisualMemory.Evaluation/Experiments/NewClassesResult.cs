namespace VisualMemory.Evaluation.Experiments;

/// <summary>Adding unseen classes to a live memory without any other step.</summary>
/// <param name="NewClasses">The classes held out and then added.</param>
/// <param name="MemoryBefore">Items before adding (the other classes' training rows).</param>
/// <param name="Added">Training rows of the new classes upserted.</param>
/// <param name="OldQueries">Test queries of the old classes.</param>
/// <param name="NewQueries">Test queries of the new classes.</param>
/// <param name="AddSeconds">Time the upsert of the new classes took.</param>
/// <param name="Rows">Accuracy per aggregation and k.</param>
public sealed record NewClassesResult(
    IReadOnlyList<string> NewClasses, long MemoryBefore, int Added, int OldQueries, int NewQueries, double AddSeconds, IReadOnlyList<NewClassesRow> Rows);
