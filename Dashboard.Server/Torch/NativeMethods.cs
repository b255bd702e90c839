using System.Runtime.InteropServices;

namespace Dashboard.Server.Torch;

/// <summary>The shim's flat C ABI (native/include/dashboard_torch.h). Only this folder calls it.</summary>
internal static partial class NativeMethods
{
    private const string Library = "dashboard_torch";

    [StructLayout(LayoutKind.Sequential)]
    internal struct Layer
    {
        public int Kind;
        public int InFeatures;
        public int OutFeatures;
        public int Kernel;
        public int Stride;
        public int Padding;
        public double P;
    }

    [LibraryImport(Library, EntryPoint = "dt_last_error")]
    internal static partial IntPtr LastError();

    [LibraryImport(Library, EntryPoint = "dt_torch_version")]
    internal static partial IntPtr TorchVersion();

    [LibraryImport(Library, EntryPoint = "dt_cuda_device_count")]
    internal static partial int CudaDeviceCount();

    [LibraryImport(Library, EntryPoint = "dt_get_num_threads")]
    internal static partial int GetNumThreads();

    [LibraryImport(Library, EntryPoint = "dt_set_num_threads")]
    internal static partial int SetNumThreads(int threads);

    [LibraryImport(Library, EntryPoint = "dt_bf16_native", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Bf16Native(string device);

    [LibraryImport(Library, EntryPoint = "dt_manual_seed")]
    internal static partial int ManualSeed(ulong seed);

    [LibraryImport(Library, EntryPoint = "dt_net_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial NetHandle NetCreate(Layer[] layers, int count, string device, int channelsLast, int precision);

    [LibraryImport(Library, EntryPoint = "dt_net_free")]
    internal static partial void NetFree(IntPtr net);

    [LibraryImport(Library, EntryPoint = "dt_net_parameter_count")]
    internal static partial long NetParameterCount(NetHandle net);

    [LibraryImport(Library, EntryPoint = "dt_net_save", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int NetSave(NetHandle net, string path);

    [LibraryImport(Library, EntryPoint = "dt_net_load", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int NetLoad(NetHandle net, string path);

    [LibraryImport(Library, EntryPoint = "dt_data_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial DataHandle DataCreate(byte* pixels, byte* labels, long n, int c, int h, int w,
        double mean, double std, string device);

    [LibraryImport(Library, EntryPoint = "dt_data_free")]
    internal static partial void DataFree(IntPtr data);

    [StructLayout(LayoutKind.Sequential)]
    internal struct Augment
    {
        public int CropPadding;
        public int Flip;
        public double Rotation;
        public double Scale;
        public double Erasing;
        public double LabelSmoothing;
    }

    [LibraryImport(Library, EntryPoint = "dt_data_augment")]
    internal static unsafe partial int DataAugment(DataHandle data, Augment* augment, ulong seed);

    [LibraryImport(Library, EntryPoint = "dt_data_augmented")]
    internal static unsafe partial int DataAugmented(DataHandle data, IndexHandle index, float* output, long capacity);

    [LibraryImport(Library, EntryPoint = "dt_index_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial IndexHandle IndexCreate(long* positions, long count, string device);

    [LibraryImport(Library, EntryPoint = "dt_index_free")]
    internal static partial void IndexFree(IntPtr index);

    [LibraryImport(Library, EntryPoint = "dt_optim_create")]
    internal static partial OptimizerHandle OptimCreate(NetHandle net, int kind, double lr, double momentum, double weightDecay);

    [LibraryImport(Library, EntryPoint = "dt_optim_free")]
    internal static partial void OptimFree(IntPtr optim);

    [LibraryImport(Library, EntryPoint = "dt_optim_save", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OptimSave(OptimizerHandle optim, string path);

    [LibraryImport(Library, EntryPoint = "dt_optim_load", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OptimLoad(OptimizerHandle optim, string path);

    [LibraryImport(Library, EntryPoint = "dt_train_batches")]
    internal static unsafe partial int TrainBatches(NetHandle net, OptimizerHandle optim, DataHandle data, IndexHandle index,
        long start, int batchSize, int batches, double* learningRates, out double lossSum, out long correct, out long samples, out int firstNonFinite);

    [LibraryImport(Library, EntryPoint = "dt_train_health")]
    internal static unsafe partial int TrainHealth(NetHandle net, OptimizerHandle optim, DataHandle data, IndexHandle index,
        long start, int batchSize, double learningRate, int resetFired, int bins, double* values, float* histograms, int maxLayers,
        out double loss, out long correct, out long samples);

    [LibraryImport(Library, EntryPoint = "dt_evaluate")]
    internal static unsafe partial int Evaluate(NetHandle net, DataHandle data, IndexHandle index, int batchSize,
        out double lossSum, long* predictions, float* probabilities, int classes);

    [LibraryImport(Library, EntryPoint = "dt_predict")]
    internal static unsafe partial int Predict(NetHandle net, float* pixels, long n, int c, int h, int w,
        double mean, double std, float* probabilities, int classes);

    [LibraryImport(Library, EntryPoint = "dt_forward_layers")]
    internal static unsafe partial int ForwardLayers(NetHandle net, float* pixels, int c, int h, int w, double mean, double std,
        float* outputs, long capacity, long* sizes, int maxLayers);

    [LibraryImport(Library, EntryPoint = "dt_layer_weights")]
    internal static unsafe partial long LayerWeights(NetHandle net, int layer, float* output, long capacity);

    [LibraryImport(Library, EntryPoint = "dt_attribute")]
    internal static unsafe partial int Attribute(NetHandle net, float* pixels, int c, int h, int w, double mean, double std,
        int target, int other, int method, int samples, double noise, ulong seed, float* attribution, out double objective, out double atBaseline);

    [LibraryImport(Library, EntryPoint = "dt_forward_to")]
    internal static unsafe partial long ForwardTo(NetHandle net, float* pixels, long n, int c, int h, int w, double mean, double std,
        int last, float* output, long capacity);
}
