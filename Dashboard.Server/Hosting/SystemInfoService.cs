using Dashboard.Server.Torch;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Platform;

namespace Dashboard.Server.Hosting;

public sealed class SystemInfoService(DatasetCatalog datasets) : ISystemInfoService
{
    public SystemInfo Describe() => new(
        TorchRuntime.Version,
        TorchRuntime.ResolveDevice("auto"),
        TorchRuntime.CudaDeviceCount,
        TorchRuntime.Threads,
        datasets.Folder,
        datasets.List());
}
