"""The PyTorch tutorial way of training a network on MNIST, as the reference for `bench`.

torchvision's MNIST dataset with ToTensor() and Normalize((0.5,), (0.5,)), a DataLoader with
shuffle=True, the network as an nn.Sequential built from the same layer spec the dashboard
trains, the same batch size and optimizer. One untimed warm-up epoch, then one timed epoch.
Prints "images_per_second=N peak_rss_mib=N" on one line.

Usage: /usr/bin/python3 bench/pytorch_tutorial.py LAYERS_JSON BATCH OPTIMIZER IMAGES THREADS MNIST_FOLDER [DEVICE]
DEVICE (default cpu) is where the model lives; each batch is moved there, as the tutorial does.
(Debian's python3-torch and python3-torchvision; scripts/setup.sh --bench installs them.)
"""
import json
import os
import sys
import tempfile
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Subset
from torchvision import datasets, transforms

layers_json, batch, optimizer_name, images, threads, mnist = sys.argv[1:7]
device = torch.device(sys.argv[7] if len(sys.argv) > 7 else "cpu")
batch, images = int(batch), int(images)
torch.set_num_threads(int(threads))
torch.manual_seed(1)


def build(spec):
    make = {
        "Linear": lambda l: nn.Linear(l["in"], l["out"]),
        "Conv2d": lambda l: nn.Conv2d(l["in"], l["out"], l["kernel"], stride=l["stride"], padding=l["padding"]),
        "BatchNorm2d": lambda l: nn.BatchNorm2d(l["in"]),
        "ReLU": lambda l: nn.ReLU(),
        "MaxPool2d": lambda l: nn.MaxPool2d(l["kernel"], l["stride"]),
        "Dropout": lambda l: nn.Dropout(l["p"]),
        "Flatten": lambda l: nn.Flatten(),
        "Sigmoid": lambda l: nn.Sigmoid(),
    }
    return nn.Sequential(*[make[l["kind"]](l) for l in spec])


# torchvision looks for ROOT/MNIST/raw/<the IDX files>; point it at the data folder's files.
root = tempfile.mkdtemp()
os.makedirs(os.path.join(root, "MNIST", "raw"))
for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]:
    os.symlink(os.path.abspath(os.path.join(mnist, name)), os.path.join(root, "MNIST", "raw", name))
transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
train = Subset(datasets.MNIST(root, train=True, download=False, transform=transform), range(images))
loader = DataLoader(train, batch_size=batch, shuffle=True)

model = build(json.loads(layers_json)).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3) if optimizer_name == "adam" else torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
criterion = nn.CrossEntropyLoss()


def epoch():
    model.train()
    seen = 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        seen += len(y)
    return seen


epoch()  # warm-up: allocator, thread pool, first-touch pages
start = time.perf_counter()
seen = epoch()
if device.type == "cuda":
    torch.cuda.synchronize()
elapsed = time.perf_counter() - start
# VmHWM, not ru_maxrss, which keeps the peak of the process this one was forked from.
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")) / 1024
print(f"images_per_second={seen / elapsed:.1f} peak_rss_mib={peak:.0f}")
