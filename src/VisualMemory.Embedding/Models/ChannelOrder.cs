namespace VisualMemory.Embedding.Models;

/// <summary>The order of colour channels a model expects in its input tensor.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue (PyTorch, DINOv2, CLIP).</summary>
    Rgb,

    /// <summary>Blue, green, red (OpenCV-trained models).</summary>
    Bgr,
}
