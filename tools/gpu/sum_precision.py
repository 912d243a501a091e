"""float32 row sums vs float64 for the softmax's normalisation (issue 12 item 4), on the CPU.

    python tools/gpu/sum_precision.py

The 16-byte path sums a float32 row's exps per chunk in float32, then chunk sums
in float64 (SUM). RDNA runs float64 at 1/16-1/64 rate, so this measures whether
an all-float32 sum (lane: sequential over its keys; then a butterfly over the
lanes), plain or compensated (Kahan per lane, the butterfly on (sum, error)
pairs), keeps the float32 bar: max over rows of |p - p64| / max p64 < 1e-6.
Rows: [., 2048] and [., 8192] standard normal scores times 1/sqrt(128), and
wide logits (x 30, scale 1); lanes as vec_launch plans (64 and 128).
"""

import numpy as np

LOG2E = 1.0 / np.log(2.0)


def lane_sums(e, lanes, vec, compensated):
    """Per-lane float32 sums of ``e`` [rows, keys], lane t owning chunks t, t+lanes, ..."""
    rows, keys = e.shape
    chunks = e.reshape(rows, keys // vec, vec)
    total = np.zeros((rows, lanes), np.float32)
    err = np.zeros((rows, lanes), np.float32)
    for c in range(keys // vec):
        t = c % lanes
        for i in range(vec):
            v = chunks[:, c, i]
            if compensated:
                y = (v - err[:, t]).astype(np.float32)
                s = (total[:, t] + y).astype(np.float32)
                err[:, t] = ((s - total[:, t]).astype(np.float32) - y).astype(np.float32)
                total[:, t] = s
            else:
                total[:, t] = (total[:, t] + v).astype(np.float32)
    return total, err


def butterfly(total, err, compensated):
    lanes = total.shape[1]
    step = lanes // 2
    while step:
        idx = np.arange(lanes) ^ step  # lane t adds lane t ^ step's partial
        other, other_err = total[:, idx], err[:, idx]
        s = (total + other).astype(np.float32)
        if compensated:  # TwoSum of the two partials, errors carried
            bb = (s - total).astype(np.float32)
            e = ((total - (s - bb)) + (other - bb)).astype(np.float32)
            err = (err + other_err + e).astype(np.float32)
        total = s
        step //= 2
    return total[:, 0] + (err[:, 0] if compensated else 0)


def worst(keys, lanes, vec, scale, spread, compensated, rows=64, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((rows, keys)) * spread).astype(np.float32)
    m = x.max(axis=1, keepdims=True)
    e32 = np.exp2(((x - m) * np.float32(scale * LOG2E)).astype(np.float32)).astype(np.float32)
    total, err = lane_sums(e32, lanes, vec, compensated)
    s = np.asarray(butterfly(total, err, compensated), np.float32)
    p = (e32 * (np.float32(1) / s)[:, None]).astype(np.float32)
    z = x.astype(np.float64) * scale
    want = np.exp(z - z.max(axis=1, keepdims=True))
    want /= want.sum(axis=1, keepdims=True)
    return float((np.abs(p - want).max(axis=1) / want.max(axis=1)).max())


if __name__ == "__main__":
    for keys, lanes in ((2048, 64), (8192, 128)):
        for scale, spread, what in ((128 ** -0.5, 1.0, "randn/sqrt(128)"), (1.0, 30.0, "wide x30")):
            plain = worst(keys, lanes, 4, scale, spread, False)
            comp = worst(keys, lanes, 4, scale, spread, True)
            print(f"{keys} keys, {lanes} lanes, {what}: float32 sum {plain:.2e}, "
                  f"compensated {comp:.2e}")
