namespace VisualMemory.Server.Embedding;

/// <summary>Images embedded together: the model that did it and one vector per image, in order.</summary>
internal sealed record EmbeddedImages(ModelIdentity Model, float[][] Vectors);
