# numpy's float32 matmul on the same shapes as bench/matmul.ts, for scale (run with OMP/OPENBLAS threads = 1).
import time
import numpy as np

for m, k, n in [(128, 768, 768), (128, 768, 3072), (128, 3072, 768)]:
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
