using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Dashboard.Server.Torch;

/// <summary>Process-wide libtorch facts and settings: version, devices, threads, seed.</summary>
public static partial class TorchRuntime
{
    private static readonly Lazy<bool> Initialised = new(() =>
    {
        // Debian's libtorch defaults to one intra-op thread, which halves speed on two cores.
        TorchException.Check(NativeMethods.SetNumThreads(Environment.ProcessorCount));
        return true;
    });

    /// <summary>The libtorch version the shim was compiled against, e.g. 1.13.1.</summary>
    public static string Version
    {
        get
        {
            EnsureInitialised();
            return Marshal.PtrToStringUTF8(NativeMethods.TorchVersion()) ?? "unknown";
        }
    }

    public static int CudaDeviceCount
    {
        get
        {
            EnsureInitialised();
            return NativeMethods.CudaDeviceCount();
        }
    }

    /// <summary>libtorch's intra-op thread count (defaults to the core count).</summary>
    public static int Threads
    {
        get
        {
            EnsureInitialised();
            return NativeMethods.GetNumThreads();
        }
        set
        {
            EnsureInitialised();
            TorchException.Check(NativeMethods.SetNumThreads(value));
        }
    }

    public static void ManualSeed(ulong seed)
    {
        EnsureInitialised();
        TorchException.Check(NativeMethods.ManualSeed(seed));
    }

    /// <summary>Whether a resolved device computes bf16 natively (CUDA, or a CPU with AVX512-BF16 or AMX).</summary>
    public static bool Bf16Native(string device)
    {
        EnsureInitialised();
        var native = NativeMethods.Bf16Native(device);
        TorchException.Check(native < 0 ? native : 0);
        return native == 1;
    }

    /// <summary>
    /// Turns a device request (auto, cpu, cuda, cuda:N) into the device to use; auto picks
    /// CUDA when available. Asking for CUDA where there is none is an error.
    /// </summary>
    public static string ResolveDevice(string request)
    {
        var normalised = request.Trim().ToLowerInvariant();
        if (normalised is "auto")
        {
            return CudaDeviceCount > 0 ? "cuda:0" : "cpu";
        }
        if (normalised is "cpu")
        {
            return "cpu";
        }
        var match = CudaPattern().Match(normalised);
        if (!match.Success)
        {
            throw new ArgumentException($"Unknown device '{request}': use auto, cpu, cuda or cuda:N.");
        }
        var index = match.Groups[1].Success ? int.Parse(match.Groups[1].Value) : 0;
        var count = CudaDeviceCount;
        if (count == 0)
        {
            throw new ArgumentException($"Device '{request}' was requested, but this host's libtorch ({Version}) sees no CUDA device. Use auto or cpu, or build the shim against a CUDA libtorch (see docs/gpu.md).");
        }
        if (index >= count)
        {
            throw new ArgumentException($"Device '{request}' was requested, but only {count} CUDA device(s) are available.");
        }
        return $"cuda:{index}";
    }

    internal static void EnsureInitialised() => _ = Initialised.Value;

    [GeneratedRegex(@"^cuda(?::(\d+))?$")]
    private static partial Regex CudaPattern();
}
