using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FedActors.Aggregation.Kernels;

/// <summary>
/// Long-lived arrays on the pinned object heap whose usable part starts on a 64-byte boundary, so that a 512-bit
/// load of an aligned offset never straddles two cache lines.
/// </summary>
internal static class AlignedMemory
{
    public const int AlignmentBytes = 64;

    /// <summary>
    /// A stride of at least <paramref name="floats"/> floats that is an odd number of 64-byte lines. Rows (or tile
    /// columns) a power-of-two number of bytes apart all fall into the same few cache sets and evict each other when
    /// read side by side; an odd line count spreads them over every set.
    /// </summary>
    public static int OddLineStride(int floats)
    {
        const int floatsPerLine = AlignmentBytes / sizeof(float);
        var lines = ((long)floats + floatsPerLine - 1) / floatsPerLine;
        return checked((int)((lines | 1) * floatsPerLine));
    }

    /// <summary>
    /// A zeroed array with room for <paramref name="length"/> elements from <paramref name="offset"/> on, where
    /// element <paramref name="offset"/> is 64-byte aligned. Pinned, so the alignment holds for the array's life.
    /// </summary>
    public static unsafe T[] Allocate<T>(int length, out int offset) where T : unmanaged
    {
        var slack = AlignmentBytes / sizeof(T);
        var array = GC.AllocateArray<T>(checked(length + slack), pinned: true);
        var address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        var misalignment = (int)(address % AlignmentBytes);
        offset = misalignment == 0 ? 0 : (AlignmentBytes - misalignment) / sizeof(T);
        return array;
    }
}
