namespace VisualMemory.Engine.Unlearning;

/// <summary>What an unlearning request selected items by.</summary>
public enum UnlearningKind
{
    /// <summary>Explicit item ids.</summary>
    Ids,

    /// <summary>Every item carrying a source tag.</summary>
    Source,

    /// <summary>Every item carrying a label.</summary>
    Label,
}
