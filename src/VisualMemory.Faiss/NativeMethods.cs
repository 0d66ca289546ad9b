using System.Runtime.InteropServices;

namespace VisualMemory.Faiss;

/// <summary>P/Invoke declarations for libvmfaiss.so (see native/vmfaiss.h for the contract).</summary>
internal static unsafe partial class NativeMethods
{
    private const string Library = "vmfaiss";

    [LibraryImport(Library, EntryPoint = "vm_last_error")]
    private static partial nint LastError();

    [LibraryImport(Library, EntryPoint = "vm_index_factory", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int IndexFactory(int d, string description, int metric, out nint index);

    [LibraryImport(Library, EntryPoint = "vm_index_free")]
    internal static partial void IndexFree(nint index);

    [LibraryImport(Library, EntryPoint = "vm_index_info")]
    internal static partial int IndexInfo(FaissIndexHandle index, out int d, out long ntotal, out int isTrained, out int metric, out long nlist);

    [LibraryImport(Library, EntryPoint = "vm_index_train")]
    internal static partial int IndexTrain(FaissIndexHandle index, long n, float* x);

    [LibraryImport(Library, EntryPoint = "vm_index_add_with_ids")]
    internal static partial int IndexAddWithIds(FaissIndexHandle index, long n, float* x, long* ids);

    [LibraryImport(Library, EntryPoint = "vm_index_remove_ids")]
    internal static partial int IndexRemoveIds(FaissIndexHandle index, long n, long* ids, out long removed);

    [LibraryImport(Library, EntryPoint = "vm_index_export")]
    internal static partial int IndexExport(FaissIndexHandle index, long ntotal, long* ids, float* vectors);

    [LibraryImport(Library, EntryPoint = "vm_index_reconstruct_id")]
    internal static partial int IndexReconstructId(FaissIndexHandle index, long id, float* vector, out int found);

    [LibraryImport(Library, EntryPoint = "vm_index_search")]
    internal static partial int IndexSearch(FaissIndexHandle index, long n, float* x, long k, long nprobe, float* distances, long* labels);

    [LibraryImport(Library, EntryPoint = "vm_index_set_nprobe")]
    internal static partial int IndexSetNProbe(FaissIndexHandle index, long nprobe);

    [LibraryImport(Library, EntryPoint = "vm_index_serialize")]
    internal static partial int IndexSerialize(FaissIndexHandle index, out nint data, out long size);

    [LibraryImport(Library, EntryPoint = "vm_buffer_free")]
    internal static partial void BufferFree(nint data);

    [LibraryImport(Library, EntryPoint = "vm_index_deserialize")]
    internal static partial int IndexDeserialize(byte* data, long size, out nint index);

    [LibraryImport(Library, EntryPoint = "vm_index_clone")]
    internal static partial int IndexClone(FaissIndexHandle index, out nint clone);

    [LibraryImport(Library, EntryPoint = "vm_index_can_merge")]
    internal static partial int IndexCanMerge(FaissIndexHandle destination, FaissIndexHandle source, out int result);

    [LibraryImport(Library, EntryPoint = "vm_index_merge_from")]
    internal static partial int IndexMergeFrom(FaissIndexHandle destination, FaissIndexHandle source, long addId);

    [LibraryImport(Library, EntryPoint = "vm_index_code_size")]
    internal static partial int IndexCodeSize(FaissIndexHandle index, out long bytes);

    [LibraryImport(Library, EntryPoint = "vm_index_coarse_fingerprint")]
    internal static partial int IndexCoarseFingerprint(FaissIndexHandle index, out ulong hash);

    [LibraryImport(Library, EntryPoint = "vm_index_coarse_assign")]
    internal static partial int IndexCoarseAssign(FaissIndexHandle index, long n, float* x, long nprobe, long* lists, float* listScores);

    [LibraryImport(Library, EntryPoint = "vm_index_search_preassigned")]
    internal static partial int IndexSearchPreassigned(FaissIndexHandle index, long n, float* x, long k, long nprobe, long* lists, float* listScores, float* distances, long* labels);

    [LibraryImport(Library, EntryPoint = "vm_knn_inner_product")]
    internal static partial int KnnInnerProduct(float* x, long nx, float* y, long ny, int d, long k, float* similarities, long* rows);

    [LibraryImport(Library, EntryPoint = "vm_set_num_threads")]
    internal static partial int SetNumThreads(int n);

    [LibraryImport(Library, EntryPoint = "vm_get_num_threads")]
    internal static partial int GetNumThreads();

    /// <summary>Turns a shim status code into a <see cref="FaissException"/> carrying FAISS's message.</summary>
    internal static void Check(int status)
    {
        if (status != 0)
        {
            throw new FaissException(Marshal.PtrToStringUTF8(LastError()) ?? "FAISS call failed");
        }
    }
}
