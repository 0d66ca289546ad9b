namespace VisualMemory.Server.Contracts;

/// <summary>Body of POST /v1/memories/{name}/linear-head/train. All fields optional.</summary>
/// <param name="Epochs">Passes over the memory; default 10, at most 1000.</param>
/// <param name="LearningRate">Adam step size; default 0.001.</param>
/// <param name="WeightDecay">L2 penalty; default 0.0001.</param>
/// <param name="BatchSize">Mini-batch size; default 256.</param>
/// <param name="Seed">Shuffle seed; default 0.</param>
/// <param name="CenterFeatures">Subtract the training mean inside the head; default true.</param>
public sealed record TrainLinearHeadRequest(int? Epochs, double? LearningRate, double? WeightDecay, int? BatchSize, int? Seed, bool? CenterFeatures);

/// <summary>Body of PUT /v1/memories/{name}/linear-head: load weights trained elsewhere.</summary>
/// <param name="Labels">The head's classes, each a label the memory already has.</param>
/// <param name="Weights">One row of dimension weights per class, in <paramref name="Labels"/> order.</param>
/// <param name="Bias">One bias per class.</param>
/// <param name="Mean">Optional feature mean the head subtracts first.</param>
public sealed record LoadLinearHeadRequest(IReadOnlyList<string>? Labels, IReadOnlyList<float[]?>? Weights, float[]? Bias, float[]? Mean);

/// <summary>The linear head in force.</summary>
/// <param name="Classes">Classes it scores (memory labels, in vocabulary order).</param>
/// <param name="Dimension">Feature dimension.</param>
/// <param name="Centered">Whether it subtracts a feature mean.</param>
/// <param name="EpochLosses">Mean training loss per epoch, when it was just trained.</param>
public sealed record LinearHeadOutput(int Classes, int Dimension, bool Centered, IReadOnlyList<double>? EpochLosses);
