"""Max-pooling 2x2 in NCHW against channels-last (NHWC) memory, forward and forward + backward,
on cnn-bn's two pooled activations at batch 64, in Debian's PyTorch (the engine's libtorch).
Why the engine keeps convolution networks channels-last (RunConfig.ChannelsLast).

Usage: /usr/bin/python3 bench/pytorch_maxpool_layout.py [THREADS]
"""
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)


def milliseconds(x, backward):
    x = x.detach().requires_grad_()
    grad = torch.ones_like(F.max_pool2d(x, 2))
    for _ in range(10):  # warm-up: allocator and thread pool
        F.max_pool2d(x, 2).backward(grad)
    start = time.perf_counter()
    for _ in range(50):
        y = F.max_pool2d(x, 2)
        if backward:
            y.backward(grad)
    return (time.perf_counter() - start) / 50 * 1e3


for shape in [(64, 32, 28, 28), (64, 64, 14, 14)]:
    x = torch.relu(torch.randn(*shape))
    nhwc = x.contiguous(memory_format=torch.channels_last)
    print(f"{list(shape)}: NCHW forward {milliseconds(x, False):.2f} ms, forward+backward {milliseconds(x, True):.2f} ms; "
          f"channels-last forward {milliseconds(nhwc, False):.2f} ms, forward+backward {milliseconds(nhwc, True):.2f} ms")
