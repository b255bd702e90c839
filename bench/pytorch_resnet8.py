"""ResNet-8 on Fashion-MNIST with a random crop (4-pixel padding) and a horizontal flip, in Debian's PyTorch 1.13, as a
reference for the dashboard's engine. Two ways, each run as its own process:

  tutorial  as the CIFAR-10 tutorials write it: a Dataset whose __getitem__ applies torchvision's RandomCrop and
            RandomHorizontalFlip to each picture, a DataLoader (batch 128, shuffle, 2 workers), NCHW, fp32;
  tuned     the pictures as one tensor in memory, the crop and flip on whole batches, channels-last, bf16 autocast
            where the CPU has it (AVX512-BF16).

Usage: /usr/bin/python3 bench/pytorch_resnet8.py tutorial|tuned DATA_FOLDER IMAGES EPOCHS SEED
Prints one JSON line: the last epoch's training images/s, each epoch's seconds, and the test accuracy.
"""
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.transforms as T

mode, folder, images, epochs, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(os.cpu_count())
torch.manual_seed(seed)


def idx(name):
    path = os.path.join(folder, "fashion-mnist", name)
    opener = gzip.open if os.path.exists(path + ".gz") else open
    with opener(path + ".gz" if os.path.exists(path + ".gz") else path, "rb") as f:
        data = f.read()
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(data[3])]
    return np.frombuffer(data[4 + 4 * len(dims):], dtype=np.uint8).reshape(dims)


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (x if self.downsample is None else self.downsample(x)))


class GlobalAvgPool(nn.Module):
    def forward(self, x):
        return x.mean((2, 3))


def resnet8():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                         BasicBlock(16, 16), BasicBlock(16, 32, 2), BasicBlock(32, 64, 2), GlobalAvgPool(), nn.Linear(64, 10))


train_x, train_y = idx("train-images-idx3-ubyte")[:images], idx("train-labels-idx1-ubyte")[:images]
test_x, test_y = idx("t10k-images-idx3-ubyte"), idx("t10k-labels-idx1-ubyte")
model = resnet8()
optimizer = torch.optim.Adam(model.parameters(), 1e-3)
bf16 = mode == "tuned" and "avx512_bf16" in open("/proc/cpuinfo").read()
if mode == "tuned":
    model = model.to(memory_format=torch.channels_last)


class Pictures(torch.utils.data.Dataset):
    def __init__(self, x, y, transform):
        self.x, self.y, self.transform = x, y, transform

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.transform(self.x[i]), int(self.y[i])


def tutorial_batches():
    transform = T.Compose([T.ToPILImage(), T.RandomCrop(28, padding=4), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize((0.5,), (0.5,))])
    loader = torch.utils.data.DataLoader(Pictures(train_x, train_y, transform), batch_size=128, shuffle=True, num_workers=2)
    yield from loader


all_x = (torch.from_numpy(train_x.copy()).float().unsqueeze(1) / 255 - 0.5) / 0.5
all_y = torch.from_numpy(train_y.astype(np.int64))


def tuned_batches():
    order = torch.randperm(len(all_y))
    black = -1.0  # 0 before the normalisation
    for start in range(0, len(order), 128):
        rows = order[start:start + 128]
        x = F.pad(all_x[rows], (4, 4, 4, 4), value=black)
        n = x.shape[0]
        dx, dy = torch.randint(0, 9, (n,)), torch.randint(0, 9, (n,))
        # Whole-batch crop: gather each picture's window with one index per axis.
        cols = (dx.view(n, 1) + torch.arange(28)).view(n, 1, 1, 28).expand(n, 1, 36, 28)
        x = x.gather(3, cols)
        rows_index = (dy.view(n, 1) + torch.arange(28)).view(n, 1, 28, 1).expand(n, 1, 28, 28)
        x = x.gather(2, rows_index)
        flip = torch.rand(n) < 0.5
        x[flip] = x[flip].flip(3)
        yield x.contiguous(memory_format=torch.channels_last), all_y[rows]


seconds, rates = [], []
for epoch in range(epochs):
    model.train()
    start, seen = time.perf_counter(), 0
    for x, y in (tutorial_batches() if mode == "tutorial" else tuned_batches()):
        optimizer.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = F.cross_entropy(model(x).float(), y)
        loss.backward()
        optimizer.step()
        seen += len(y)
    seconds.append(time.perf_counter() - start)
    rates.append(seen / seconds[-1])

model.eval()
with torch.no_grad():
    x = (torch.from_numpy(test_x.copy()).float().unsqueeze(1) / 255 - 0.5) / 0.5
    if mode == "tuned":
        x = x.contiguous(memory_format=torch.channels_last)
    correct = sum(int((model(x[i:i + 1000]).argmax(1) == torch.from_numpy(test_y[i:i + 1000].astype(np.int64))).sum()) for i in range(0, len(x), 1000))
print(json.dumps({"mode": mode, "bf16": bf16, "images": len(train_y), "images_per_second": round(rates[-1], 1),
                  "epoch_seconds": [round(s, 2) for s in seconds], "test_accuracy": correct / len(test_y)}))
