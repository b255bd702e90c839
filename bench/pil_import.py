"""The import's reference: Debian's PIL (python3-pil) decoding every picture below a folder and resizing it to the
same size the dashboard's import makes (a box filter when shrinking, bicubic when enlarging; RGB or grey), keeping
the bytes in memory as an import does, with one process per core as the dashboard decodes on every core.

Usage: /usr/bin/python3 bench/pil_import.py FOLDER WIDTH HEIGHT CHANNELS [PROCESSES]
Prints one JSON line: pictures, seconds, pictures_per_second, peak_rss_mib (the largest of the workers' and the parent's).
"""
import json
import os
import resource
import sys
import time
from multiprocessing import Pool

from PIL import Image


def convert(path):
    with Image.open(path) as image:
        image = image.convert("RGB" if CHANNELS == 3 else "L")
        shrink = image.width >= WIDTH and image.height >= HEIGHT
        image = image.resize((WIDTH, HEIGHT), Image.Resampling.BOX if shrink else Image.Resampling.BICUBIC)
        return image.tobytes()


def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    folder, WIDTH, HEIGHT, CHANNELS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    processes = int(sys.argv[5]) if len(sys.argv) > 5 else os.cpu_count()
    files = sorted(os.path.join(root, name) for root, _, names in os.walk(folder) for name in names)
    start = time.perf_counter()
    # Forked workers see WIDTH, HEIGHT and CHANNELS as set above.
    with Pool(processes) as pool:
        images = pool.map(convert, files, chunksize=64)
    seconds = time.perf_counter() - start
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"pictures": len(images), "seconds": round(seconds, 3), "pictures_per_second": round(len(images) / seconds, 1),
                      "peak_rss_mib": round(max(peak(), children), 1), "processes": processes}))
