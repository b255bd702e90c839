using System.Runtime.InteropServices;

namespace Dashboard.Server.Torch;

/// <summary>Owns a native object; a forgotten Dispose still frees it (and its device memory) on finalisation.</summary>
internal abstract class NativeHandle : SafeHandle
{
    protected NativeHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;
}

internal sealed class NetHandle : NativeHandle
{
    protected override bool ReleaseHandle()
    {
        NativeMethods.NetFree(handle);
        return true;
    }
}

internal sealed class DataHandle : NativeHandle
{
    protected override bool ReleaseHandle()
    {
        NativeMethods.DataFree(handle);
        return true;
    }
}

internal sealed class IndexHandle : NativeHandle
{
    protected override bool ReleaseHandle()
    {
        NativeMethods.IndexFree(handle);
        return true;
    }
}

internal sealed class OptimizerHandle : NativeHandle
{
    protected override bool ReleaseHandle()
    {
        NativeMethods.OptimFree(handle);
        return true;
    }
}
