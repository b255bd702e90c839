"""Predict through HTTP: latency percentiles, and with --all the whole MNIST test set checked
against the run's reported confusion matrix.

Usage (server running, a completed MNIST run with a checkpoint):
    /usr/bin/python3 bench/predict_latency.py http://127.0.0.1:5000 RUN_ID [CALLS] [--all]
Images are sent as bytes (base64), exactly the pixels the run was tested on. Timings include
HTTP and JSON, so they bound the server-side cost from above.
"""
import base64
import json
import sys
import time
import urllib.request

import numpy as np

args = [a for a in sys.argv[1:] if a != "--all"]
base, run = args[0], int(args[1])
calls = int(args[2]) if len(args) > 2 else 300
images = np.fromfile("data/mnist/t10k-images-idx3-ubyte", dtype=np.uint8, offset=16).reshape(-1, 784)
labels = np.fromfile("data/mnist/t10k-labels-idx1-ubyte", dtype=np.uint8, offset=8)


def predict(i):
    body = json.dumps({"bytes": base64.b64encode(images[i].tobytes()).decode()}).encode()
    request = urllib.request.Request(f"{base}/api/runs/{run}/predict", body, {"content-type": "application/json"})
    start = time.perf_counter()
    answer = json.loads(urllib.request.urlopen(request).read())
    return (time.perf_counter() - start) * 1000, answer["class"]


for i in range(20):
    predict(i)  # warm-up: the first call loads the checkpoint
times = sorted(predict(i % len(images))[0] for i in range(calls))
pick = lambda p: times[min(len(times) - 1, int(p / 100 * len(times)))]
print(f"predict over HTTP, run {run}, {calls} calls: p50 {pick(50):.2f} ms, p95 {pick(95):.2f} ms, p99 {pick(99):.2f} ms")

if "--all" in sys.argv:
    test = json.loads(urllib.request.urlopen(f"{base}/api/runs/{run}").read())["test"]
    count = test["images"]
    matrix = np.zeros((10, 10), dtype=int)
    for i in range(count):
        matrix[labels[i], predict(i)[1]] += 1
    same = (matrix == np.array(test["confusionMatrix"])).all()
    print(f"all {count} test images through the API: accuracy {np.trace(matrix) / count:.4%}, "
          f"run reported {test['accuracy']:.4%}; confusion matrix identical: {same}")
