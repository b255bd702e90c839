"""Predict latency through HTTP: POSTs MNIST test images to /api/runs/RUN/predict and prints p50/p95/p99.

Usage (server running, a completed MNIST run with a checkpoint):
    /usr/bin/python3 bench/predict_latency.py http://127.0.0.1:5000 RUN_ID [CALLS]
Includes HTTP and JSON, so it bounds the server-side cost from above.
"""
import json
import sys
import time
import urllib.request

import numpy as np

base, run = sys.argv[1], int(sys.argv[2])
calls = int(sys.argv[3]) if len(sys.argv) > 3 else 300
images = np.fromfile("data/mnist/t10k-images-idx3-ubyte", dtype=np.uint8, offset=16).reshape(-1, 784)


def predict(i):
    body = json.dumps({"pixels": (images[i % len(images)] / 255).round(4).tolist()}).encode()
    request = urllib.request.Request(f"{base}/api/runs/{run}/predict", body, {"content-type": "application/json"})
    start = time.perf_counter()
    urllib.request.urlopen(request).read()
    return (time.perf_counter() - start) * 1000


for i in range(20):
    predict(i)  # warm-up: the first call loads the checkpoint
times = sorted(predict(i) for i in range(calls))
pick = lambda p: times[min(len(times) - 1, int(p / 100 * len(times)))]
print(f"predict over HTTP, run {run}, {calls} calls: p50 {pick(50):.2f} ms, p95 {pick(95):.2f} ms, p99 {pick(99):.2f} ms")
