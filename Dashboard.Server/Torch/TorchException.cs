using System.Runtime.InteropServices;

namespace Dashboard.Server.Torch;

/// <summary>An error raised inside libtorch, carrying libtorch's own message.</summary>
public sealed class TorchException(string message) : Exception(message)
{
    /// <summary>Throws when a status-returning native call failed.</summary>
    internal static void Check(int status)
    {
        if (status != 0)
        {
            throw FromLastError();
        }
    }

    /// <summary>Throws when a handle-returning native call gave NULL; otherwise returns the handle.</summary>
    internal static T Check<T>(T handle) where T : NativeHandle
    {
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw FromLastError();
        }
        return handle;
    }

    private static TorchException FromLastError() =>
        new(Marshal.PtrToStringUTF8(NativeMethods.LastError()) is { Length: > 0 } text ? text.Trim() : "libtorch failed without a message");
}
