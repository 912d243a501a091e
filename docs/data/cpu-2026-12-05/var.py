"""usage: var.py variant1,variant2 spec1 spec2 ...  (spec b:hq:hkv:s:n:d:dtype)"""
import sys, time, inspect, textwrap, numpy as np
import numba_causal as nc
from numba_causal import attention as at, compile as kc, op
from numba_causal.dtypes import host_dtype
captured = {}
orig = kc.build
def spy(backend, kernel, helpers=(), kind="kernel", **constants):
    if kernel is at.attention_cpu:
        captured.update(backend=backend, helpers=helpers, kind=kind, constants=constants)
    return orig(backend, kernel, helpers, kind, **constants)
kc.build = spy
orig_run = op.run_host
def spy_run(family, backend, kind, constants, args, *a, **kw):
    captured["args"] = args
    return orig_run(family, backend, kind, constants, args, *a, **kw)
op.run_host = spy_run
names = sys.argv[1].split(",")
def variant(name, constants):
    g = dict(at.__dict__)
    extra = {}
    if name != "base":
        code = open(f"/tmp/s/v_{name}.py").read()
        exec(code, g)
    helpers = []
    for h in captured["helpers"]:
        n = getattr(h, "__name__", None)
        helpers.append(g[n] if n in g and isinstance(g[n], type(at.pow2_host)) and n in at.__dict__ and getattr(at, n) is h else h)
    helpers += list(g.get("EXTRA_HELPERS", ()))
    constants = dict(constants, **g.get("EXTRA_CONSTANTS", {}))
    return orig(captured["backend"], g["attention_cpu"], tuple(helpers), captured["kind"], **constants)
for spec in sys.argv[2:]:
    *dims, dt = spec.split(":")
    b, hq, hkv, s, n, d = map(int, dims)
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal(sh, dtype=np.float32).astype(host_dtype(dt))
               for sh in ((b, hq, s, d), (b, hkv, n, d), (b, hkv, n, d)))
    out = np.empty((b, hq, s, d), host_dtype(dt))
    nc.causal_attention(q, k, v, out=out, backend="cpu")
    ref = out.astype(np.float64)
    args = list(captured["args"])
    kerns = {}
    for name in names:
        t = time.time()
        kerns[name] = variant(name, captured["constants"])
        args[3][...] = 0
        kerns[name](*args)
        err = np.abs(out.astype(np.float64) - ref).max()
        print(f"  {name}: compiled+ran {time.time()-t:.1f}s, max diff vs package {err:.2e}", flush=True)
    nbytes = k.nbytes * 2
    res = {nm: [] for nm in names}
    for rep in range(9):
        for nm in names:
            t = time.perf_counter(); kerns[nm](*args); res[nm].append(time.perf_counter() - t)
    print(spec + ": " + "; ".join(f"{nm} {np.median(r)*1e3:.2f} ms ({nbytes/np.median(r)/1e9:.1f} GB/s)" for nm, r in res.items()), flush=True)
