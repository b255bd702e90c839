"""The dead-units check of the dashboard's layer health, done in PyTorch: trains the tutorial's cnn-bn
(Adam, batch 64) on the first 9,600 MNIST training images, as `train --train-limit 12000` does after its
80/20 split, and prints, for the batches the dashboard measures (every 50th and each epoch's last),
the fraction of the hidden Linear layer's ReLU units that fired on none of the epoch's measured batches.
Usage, at the repository root: /usr/bin/python3 bench/pytorch_dead_units.py [LR] [EPOCHS] [SEED]"""
import sys

import numpy as np
import torch
import torch.nn as nn

lr, epochs, seed = (float(sys.argv[1]) if len(sys.argv) > 1 else 1e-3), (int(sys.argv[2]) if len(sys.argv) > 2 else 3), (int(sys.argv[3]) if len(sys.argv) > 3 else 1)
torch.manual_seed(seed)
torch.set_num_threads(2)


def load(name, offset):
    return np.fromfile(f"data/mnist/{name}", dtype=np.uint8, offset=offset).copy()


x = torch.tensor(load("train-images-idx3-ubyte", 16)).view(-1, 1, 28, 28)[:9600].float().div(255).sub(0.5).div(0.5)
y = torch.tensor(load("train-labels-idx1-ubyte", 8))[:9600].long()
net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
optimizer = torch.optim.Adam(net.parameters(), lr)
batches = 9600 // 64
for epoch in range(1, epochs + 1):
    order = torch.randperm(9600)
    fired = None
    for b in range(batches):
        rows = order[b * 64:(b + 1) * 64]
        h, hidden = x[rows], None
        for i, layer in enumerate(net):
            h = layer(h)
            if i == 10:
                hidden = h.detach()
        loss = nn.functional.cross_entropy(h, y[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (b + 1) % 50 == 0 or b == batches - 1:
            now = (hidden > 0).any(0)
            fired = now if fired is None else fired | now
            print(f"epoch {epoch} batch {b + 1}: {1 - fired.float().mean().item():.1%} of layer 10's units have not fired this epoch")
