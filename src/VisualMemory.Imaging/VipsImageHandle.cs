using System.Runtime.InteropServices;

namespace VisualMemory.Imaging;

/// <summary>Owns one reference to a <c>VipsImage</c> (a GObject); disposing drops it with <c>g_object_unref</c>.</summary>
internal sealed class VipsImageHandle : SafeHandle
{
    internal VipsImageHandle(nint pointer) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(pointer);

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>The raw pointer, for passing to libvips while this handle is alive.</summary>
    internal nint Pointer => handle;

    protected override bool ReleaseHandle()
    {
        NativeMethods.GObjectUnref(handle);
        return true;
    }
}
