namespace VisualMemory.Imaging;

/// <summary>How a decoded image is brought to the target width × height.</summary>
public enum ResizeMode
{
    /// <summary>
    /// Scale (keeping the aspect ratio) until the image covers the target, then cut the centre out.
    /// For a square target this is "resize the shorter side to the target, then centre-crop", the
    /// preprocessing DINOv2 and CLIP use (torchvision <c>Resize</c> + <c>CenterCrop</c>).
    /// </summary>
    ShorterSideThenCenterCrop,

    /// <summary>Scale each axis independently to exactly the target size (the aspect ratio is not kept).</summary>
    Stretch,
}
