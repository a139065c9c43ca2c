# numpy's float32 matmul on the shapes bench/matmul.ts passes ("MxKxN,..."), for scale (run with OMP/OPENBLAS threads = 1).
import sys
import time
import numpy as np

shapes = sys.argv[1] if len(sys.argv) > 1 else "128x768x768,128x768x3072,128x3072x768"
for shape in shapes.split(","):
    m, k, n = (int(x) for x in shape.split("x"))
    a = np.random.rand(m, k).astype(np.float32)
    b = np.random.rand(k, n).astype(np.float32)
    for _ in range(3):
        a @ b
    times = []
    for _ in range(15):
        t = time.perf_counter()
        a @ b
        times.append((time.perf_counter() - t) * 1000)
    ms = float(np.median(times))
    print(f"numpy {m}x{k}x{n}: median {ms:.2f} ms, {2 * m * k * n / ms / 1e6:.1f} GFLOP/s")
