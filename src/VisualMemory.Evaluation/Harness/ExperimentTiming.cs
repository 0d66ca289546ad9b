namespace VisualMemory.Evaluation.Harness;

/// <summary>How long one step of a run took.</summary>
/// <param name="Step">The experiment's name, or "baseline" for the shared memory and retrieval.</param>
/// <param name="Seconds">Wall-clock seconds.</param>
public sealed record ExperimentTiming(string Step, double Seconds);
