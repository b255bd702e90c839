"""The cnn-bn MNIST recipe written directly in PyTorch, as a reference for the engine's accuracy.

Adam 1e-3, batch 64, seeded 80/20 split, inputs (x/255 - 0.5) / 0.5, EPOCHS epochs, then the
test accuracy. Run with Debian's PyTorch: /usr/bin/python3 bench/pytorch_cnn_bn.py [SEED] [EPOCHS]
(the python3 first on PATH here may not see Debian's python3-torch).
"""
import sys
import time

import numpy as np
import torch
import torch.nn as nn

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
torch.set_num_threads(2)
torch.manual_seed(seed)


def load(name, offset):
    return np.fromfile(f"data/mnist/{name}", dtype=np.uint8, offset=offset).copy()


def images(name):
    return torch.from_numpy(load(name, 16)).float().reshape(-1, 1, 28, 28).div(255).sub(0.5).div(0.5)


x_train, y_train = images("train-images-idx3-ubyte"), torch.from_numpy(load("train-labels-idx1-ubyte", 8)).long()
x_test, y_test = images("t10k-images-idx3-ubyte"), torch.from_numpy(load("t10k-labels-idx1-ubyte", 8)).long()
train = torch.randperm(len(x_train))[len(x_train) // 5:]

model = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
optimizer = torch.optim.Adam(model.parameters(), 1e-3)
start = time.time()
for _ in range(epochs):
    model.train()
    order = train[torch.randperm(len(train))]
    for i in range(0, len(order), 64):
        batch = order[i:i + 64]
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x_train[batch]), y_train[batch]).backward()
        optimizer.step()
model.eval()
with torch.no_grad():
    correct = sum((model(x_test[i:i + 256]).argmax(1) == y_test[i:i + 256]).sum().item() for i in range(0, len(x_test), 256))
print(f"seed {seed}, {epochs} epoch(s): test accuracy {correct / len(x_test):.4f}, training {time.time() - start:.1f} s")
