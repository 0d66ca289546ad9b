using System.Runtime.InteropServices;

namespace VisualMemory.Faiss;

/// <summary>Owns one native index; freeing it is the runtime's job even if a caller forgets to dispose.</summary>
internal sealed class FaissIndexHandle : SafeHandle
{
    public FaissIndexHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal FaissIndexHandle(nint pointer) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(pointer);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.IndexFree(handle);
        return true;
    }
}
