"""A/B in one process? No: two trees can't share a process. Run each tree's kernel via API in turn, N rounds, interleaved by subprocess."""
import subprocess, sys, json, numpy as np
specs = sys.argv[2:]; rounds = int(sys.argv[1])
code = r'''
import sys, time, json, numpy as np, ml_dtypes
import numba_causal as nc
from numba_causal.dtypes import host_dtype
out = {}
for spec in sys.argv[1:]:
    *dims, dt = spec.split(":")
    b, hq, hkv, s, n, d = map(int, dims)
    rng = np.random.default_rng()
    q, k, v = (rng.standard_normal(sh, dtype=np.float32).astype(host_dtype(dt)) for sh in ((b, hq, s, d), (b, hkv, n, d), (b, hkv, n, d)))
    o = np.empty((b, hq, s, d), host_dtype(dt))
    f = lambda: nc.causal_attention(q, k, v, out=o, backend="cpu")
    f(); f()
    ts = []
    for _ in range(15):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    out[spec] = float(np.median(ts))
print(json.dumps(out))
'''
res = {"old": {s: [] for s in specs}, "new": {s: [] for s in specs}}
for r in range(rounds):
    for tree, path in (("old", "/tmp/oldtree"), ("new", "/work/main")):
        p = subprocess.run(["/work/main/.venv/bin/python", "-c", code] + specs, capture_output=True, text=True, env={"PYTHONPATH": path, "PATH": "/usr/bin:/bin"})
        if p.returncode: print(p.stderr[-2000:]); sys.exit(1)
        for s, t in json.loads(p.stdout.strip().splitlines()[-1]).items(): res[tree][s].append(t)
for s in specs:
    o, n = np.median(res["old"][s]), np.median(res["new"][s])
    print(f"{s}: old {o*1e3:.2f} ms, new {n*1e3:.2f} ms, x{o/n:.2f}  (old {['%.2f'%(x*1e3) for x in res['old'][s]]}, new {['%.2f'%(x*1e3) for x in res['new'][s]]})")
