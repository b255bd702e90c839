using Dashboard.Shared.Datasets;

namespace Dashboard.Shared.Platform;

/// <summary>What this host trains with: libtorch, the device <c>auto</c> picks, threads, datasets.</summary>
public sealed record SystemInfo(
    string TorchVersion,
    string DefaultDevice,
    int CudaDevices,
    int Threads,
    string DataFolder,
    IReadOnlyList<DatasetInfo> Datasets);

/// <summary>Implemented by the server; injected into pages.</summary>
public interface ISystemInfoService
{
    /// <summary>Looks again at libtorch and the data folder.</summary>
    SystemInfo Describe();
}
