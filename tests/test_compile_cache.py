"""compile.build's names for what numba caches on disk.

numba names a compiled function by its qualname and a per-process counter and,
across the libraries it has loaded, links a call by that name to whichever
definition it found first. A helper bound into two kernel variants (different
compile-time constants) and compiled by two processes whose counters agree would
share a name once both are loaded from the disk cache: one variant would then run
the other's helper (seen: a CPU softmax with kv_lens and q_offsets ignoring both
after other tests had loaded mask kernels from the cache)."""

import numpy as np
from numba import prange

from numba_causal import compile as kc
from numba_causal import softmax
from numba_causal.backends import get_backend


def _helper_names(dispatcher) -> set:
    """The qualnames of the compiled helpers a kernel's globals hold."""
    names = set()
    for value in dispatcher.py_func.__globals__.values():
        py_func = getattr(value, "py_func", None)
        if py_func is not None and value is not dispatcher:
            names.add(py_func.__qualname__)
    return names


def test_disk_cached_variants_name_their_helpers_apart():
    cpu = get_backend("cpu")
    family = softmax.CAUSAL_SOFTMAX
    base = dict(softmax.format_constants("float32"))
    plain = dict(base, **softmax.mask_options((1, 1, 2, 3)).constants())
    per_sequence = dict(base, **softmax.mask_options((1, 1, 2, 3), kv_lens=[1],
                                                     q_offsets=[0]).constants())
    first = family.build(cpu, "cpu_serial", plain)
    second = family.build(cpu, "cpu_serial", per_sequence)
    first_names, second_names = _helper_names(first), _helper_names(second)
    assert first_names and second_names
    assert not first_names & second_names
    digests = {kc.variant_digest(family.cpu_kernel, family.host_helper_list(), c)[:16]
               for c in (plain, per_sequence)}
    assert all(any(name.endswith(d) for d in digests) for name in first_names | second_names)


def test_each_variant_still_computes_its_own_mask():
    x = np.random.default_rng(5).standard_normal((2, 1, 5, 9)).astype(np.float32)
    with_lens = softmax.causal_softmax(x, window=3, kv_lens=[4, 9], q_offsets=[1, 3],
                                       backend="cpu")
    plain = softmax.causal_softmax(x, window=3, backend="cpu")
    # row 0 of sequence 0 sits at position 1 (q_offsets) and sees keys 0..1; plain: 4 -> 2..4
    assert np.count_nonzero(with_lens[0, 0, 0]) == 2 and with_lens[0, 0, 0, :2].all()
    assert np.count_nonzero(plain[0, 0, 0]) == 3 and plain[0, 0, 0, 2:5].all()
    assert not with_lens[0, 0, :, 4:].any()  # kv_len 4: keys from 4 on are masked


def _rounding_replaced(monkeypatch):
    """Replace intrinsics._bf16_rne_i32 (a module helper that the bfloat16 primitives'
    codegen calls, not itself a primitive or a kernel helper) with other code, as an
    edit of intrinsics.py would: a function of that module doing something else."""
    from numba_causal import intrinsics

    namespace = dict(vars(intrinsics))
    exec("def _bf16_rne_i32(builder, x):\n"
         "    return builder.fptoui(x, _I32)\n", namespace)  # truncation, not RNE
    assert namespace["_bf16_rne_i32"].__module__ == intrinsics.__name__
    monkeypatch.setattr(intrinsics, "_bf16_rne_i32", namespace["_bf16_rne_i32"])


def test_a_disk_entry_changes_with_what_a_primitive_codegen_calls(monkeypatch):
    """The name of a compiled variant on disk follows the code it was compiled from
    down into the primitives' codegen: a changed module helper there (bfloat16's
    rounding) names the variant anew, so an old binary is never replayed."""
    family = softmax.CAUSAL_SOFTMAX
    constants = dict(softmax.format_constants("bfloat16"),
                     **softmax.mask_options((1, 1, 2, 3)).constants())

    def digest():
        return kc.variant_digest(family.cpu_kernel, family.host_helper_list(), constants)

    before = digest()
    assert digest() == before
    _rounding_replaced(monkeypatch)
    assert digest() != before
    monkeypatch.undo()
    assert digest() == before


def test_an_amd_code_object_changes_with_what_a_primitive_codegen_calls(monkeypatch):
    """tools/amd/codegen.py's cache key (code_digest of a bound kernel) reads an
    ``@intrinsic`` global by its code, not by its repr (``<intrinsic pack_bf16x2>``,
    the same whatever its codegen): CI's AMD check recompiles a kernel whose primitive
    changed instead of checking the code object of before."""
    import importlib.util
    import pathlib
    import sys
    import types

    from numba_causal import intrinsics

    path = pathlib.Path(__file__).resolve().parents[1] / "tools" / "amd" / "codegen.py"
    spec = importlib.util.spec_from_file_location("amd_codegen_for_digest", path)
    codegen = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, codegen)  # its dataclasses look it up
    spec.loader.exec_module(codegen)

    def kernel(out, x):
        out[0] = pack_bf16x2(x, x)  # noqa: F821 - bound below, as compile.bind does

    pack = intrinsics.INTRINSICS["pack_bf16x2"]["hip"]  # numba's generic @intrinsic
    bound = types.FunctionType(kernel.__code__, {"pack_bf16x2": pack}, "kernel")
    before = codegen.code_digest(bound)
    assert codegen.code_digest(bound) == before
    _rounding_replaced(monkeypatch)
    assert codegen.code_digest(bound) != before
    monkeypatch.undo()
    assert codegen.code_digest(bound) == before


def test_no_writable_cache_folder_compiles_in_memory(tmp_path):
    """Where numba finds no folder it can write its cache to (a read-only install and
    home: numba's cache locators all decline), a kernel is compiled for the process
    instead, with one RuntimeWarning, and computes what it should; numba alone
    refuses with "cannot cache function ...: no locator available" (found 2026-12-05,
    as user nobody with an unwritable NUMBA_CACHE_DIR)."""
    import subprocess
    import sys

    code = """
import warnings
import numpy as np
import numba.core.caching as caching
caching.CacheImpl._locator_classes = []  # no folder anywhere: as a read-only machine
import numba_causal as nc
x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(1, 2, 3, 4)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    nc.apply_causal_mask(x, backend="cpu")
    p = nc.causal_softmax(np.zeros((3, 4), np.float32), backend="cpu")
print(np.isneginf(x[0, 0]).astype(int).tolist())
print(p[0].tolist())
print(sum("no folder it can write its cache to" in str(w.message) for w in caught))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr
    masked, first_row, warned = done.stdout.split("\n")[:3]
    assert masked == "[[0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]]"  # offset 1, bottom-right
    assert first_row == "[0.5, 0.5, 0.0, 0.0]"
    assert warned == "1"  # once a process, not once a kernel


def test_a_damaged_cache_entry_is_compiled_again(tmp_path):
    """A cache file damaged from outside (cut short) made numba raise pickle's
    EOFError on every later call of that variant; now the entry counts as a miss:
    one RuntimeWarning naming the file, the kernel compiled and written anew, and
    the process after loads it without a word (found 2026-12-05)."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    code = """
import warnings
import numpy as np
import numba_causal as nc
warnings.simplefilter("always")
x = np.arange(12, dtype=np.float32).reshape(3, 4)
nc.apply_causal_mask(x, backend="cpu")
print(np.isneginf(x).astype(int).tolist())
"""

    def run():
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              cwd=tmp_path, env=env, timeout=600)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "[[0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]]"
        return done.stderr

    assert "could not be loaded" not in run()  # compiled and written
    for suffix in (".nbi", ".nbc"):  # the index, then the compiled code, cut short
        files = sorted((tmp_path / "cache").rglob(f"*{suffix}"))
        assert files
        for path in files:
            path.write_bytes(path.read_bytes()[:20])
        err = run()
        assert err.count("RuntimeWarning: numba_causal: a cache entry of") == 1, err
        assert "could not be loaded" in err and ".nbi" in err
        assert "could not be loaded" not in run()  # written anew, loaded as it is


def test_a_reference_is_written_to_disk_and_loaded_by_the_next_process(tmp_path):
    """The references (the element-by-element definitions the tests check against) go
    to numba's disk cache as the CPU kernels do: the first process compiles and
    writes the softmax reference's variant, the next loads it and computes the same."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    code = """
import numpy as np
import numba_causal as nc
from numba_causal import compile as kc
p = nc.causal_softmax_reference(np.arange(12, dtype=np.float32).reshape(3, 4))
refs = [c.kernel for c in kc.compiled("cpu") if c.kind == "reference"]
print(len(refs), sum(sum(d.stats.cache_hits.values()) for d in refs),
      sum(sum(d.stats.cache_misses.values()) for d in refs))
print(p.tolist())
"""

    def run():
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              cwd=tmp_path, env=env, timeout=600)
        assert done.returncode == 0, done.stderr
        counts, row = done.stdout.split("\n")[:2]
        return [int(n) for n in counts.split()], np.array(eval(row), np.float32)

    (refs, hits, misses), first = run()
    assert refs == 1 and hits == 0 and misses == 1  # compiled, then written
    (refs, hits, misses), second = run()
    assert refs == 1 and hits == 1 and misses == 0  # loaded from the disk cache
    assert np.array_equal(first, second)
    # bottom-right: row 0 of 3 over 4 keys keeps keys 0 and 1 (scores 0 and 1)
    e = np.exp(np.float64(1))
    assert np.allclose(first[0], [1 / (1 + e), e / (1 + e), 0, 0], rtol=1e-6, atol=0)
    assert (first[2] > 0).all() and np.allclose(first.sum(axis=1), 1, rtol=1e-6)


# -- ahead-of-time binding: helpers bound alike are one device function -----------------

LANES, ROWS = kc.compile_time("LANES", "ROWS")


def _steps(n):  # names no constant
    return n + 1


def _lane_steps(n):  # names LANES
    return _steps(n) * LANES


def _row_steps(n):  # names no constant, but calls a helper that names LANES
    return _lane_steps(n) + 1


def _kernel(out):
    out[0] = _row_steps(ROWS)


def test_aot_variants_share_the_helpers_they_bind_alike():
    """kc.bind_for_aot with one ``shared`` dict (the AMD check's catalog): a helper
    is one device function for every variant whose constants it reaches (itself or
    through the helpers it calls) are equal, and its own for the others."""
    from numba import cuda

    helpers, shared = (_steps, _lane_steps, _row_steps), {}
    a, b, c = (kc.bind_for_aot(_kernel, helpers, dict(LANES=lanes, ROWS=rows), cuda, shared)
               for lanes, rows in ((32, 1), (32, 2), (64, 1)))

    def helper(kernel, name):
        return kernel.__globals__[name]

    assert helper(a, "_steps") is helper(b, "_steps") is helper(c, "_steps")
    assert helper(a, "_lane_steps") is helper(b, "_lane_steps")
    assert helper(a, "_lane_steps") is not helper(c, "_lane_steps")
    assert helper(a, "_row_steps") is helper(b, "_row_steps")
    assert helper(a, "_row_steps") is not helper(c, "_row_steps")
    assert helper(c, "_lane_steps").py_func.__globals__["LANES"] == 64
    assert helper(c, "_row_steps").py_func.__globals__["_lane_steps"] is helper(c, "_lane_steps")
    assert (a.__globals__["ROWS"], b.__globals__["ROWS"]) == (1, 2)
    alone = kc.bind_for_aot(_kernel, helpers, dict(LANES=32, ROWS=1), cuda)
    assert helper(alone, "_steps") is not helper(a, "_steps")


def test_aot_catalog_binds_each_alike_helper_once():
    """The catalog's variants share their helpers where they bind them alike (most of
    numba's front-end time in the AMD check is compiling helpers: docs/amd.md)."""
    from numba import cuda

    from numba_causal.op import aot_catalog

    seen = {}
    for spec in aot_catalog(cuda, 32):
        for value in spec.pyfunc.__globals__.values():
            if getattr(value, "py_func", None) is not None:
                seen.setdefault(id(value), set()).add(spec.name)
    assert max(len(names) for names in seen.values()) > 10


def test_aot_constants_equal_in_value_but_not_in_type_are_not_shared():
    """numpy's float32 1.0 and float64 1.0 compare (and hash) equal, but numba types
    them apart: a helper naming such a constant is bound once for each."""
    import numpy as np
    from numba import cuda

    helpers, shared = (_steps, _lane_steps, _row_steps), {}
    a, b = (kc.bind_for_aot(_kernel, helpers, dict(LANES=lanes, ROWS=1), cuda, shared)
            for lanes in (np.float32(1.0), np.float64(1.0)))
    assert a.__globals__["_steps"] is b.__globals__["_steps"]
    assert a.__globals__["_lane_steps"] is not b.__globals__["_lane_steps"]


# -- host kinds: a parallel loop's body outlined ----------------------------------------

SCALE = kc.compile_time("SCALE")


@kc.outlined
def _scaled_task(out, i):
    out[i] = _plus_one(i) * SCALE


def _plus_one(i):
    return i + 1


def _scale_all(out):
    for i in prange(out.shape[0]):
        _scaled_task(out, np.int64(i))


def test_an_outlined_task_is_called_and_bound_once_for_both_host_kinds():
    """A helper marked kc.outlined (a parallel loop's body) is compiled as a function
    of its own, called (numba's ``inline='never'``), where the host kinds inline the
    other helpers; 'cpu' and 'cpu_serial' of one variant share its one dispatcher."""
    cpu = get_backend("cpu")
    constants = dict(SCALE=3, HOST_FASTMATH=("contract",))
    kernels = [kc.build(cpu, _scale_all, (_scaled_task, _plus_one), kind, **constants)
               for kind in ("cpu", "cpu_serial")]
    for kernel in kernels:
        out = np.zeros(5, np.int64)
        kernel(out)
        assert out.tolist() == [3, 6, 9, 12, 15]
    parallel, serial = (k.py_func.__globals__ for k in kernels)
    assert parallel["_scaled_task"] is serial["_scaled_task"]
    assert parallel["_scaled_task"].targetoptions["inline"] == "never"
    assert parallel["_plus_one"].targetoptions["inline"] == "always"
    other = kc.build(cpu, _scale_all, (_scaled_task, _plus_one), "cpu", **dict(constants, SCALE=4))
    assert other.py_func.__globals__["_scaled_task"] is not parallel["_scaled_task"]
