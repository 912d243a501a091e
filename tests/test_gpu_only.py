"""What only a real GPU can show: a tensor past 2**31 elements, grids past the
device's limits, torch CUDA tensors masked zero-copy on their stream, and a
read-only device array refused. Every such test is marked gpu and runs on cuda;
on a machine without one each is skipped with the reason. The checking code is
shared with small dry runs (not marked gpu) that run it on the CPU.

The expected results come from outside the library: NumPy (helpers.masked_where)
for host copies and an iota comparison in torch on the device.
"""

import numpy as np
import pytest

import numba_causal as nc
from numba_causal.backends import unavailable_reasons
from helpers import DTYPES, assert_bits_equal, expected, masked_where, random_scores

BIG = 65536  # [1, 1, BIG, BIG] float16: 2**32 elements, 8 GiB


def cuda():
    """numba.cuda, or a skip naming why the cuda backend is not here."""
    missing = unavailable_reasons()
    if "cuda" in missing:
        pytest.skip(f"backend cuda unavailable: {missing['cuda']}")
    return nc.get_backend("cuda").gpu


def torch_cuda():
    cuda()
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA device")
    return torch


def need_free_bytes(n):
    free, _ = cuda().current_context().get_memory_info()
    if free < n:
        pytest.skip(f"needs {n / 2**30:.0f} GiB of free GPU memory; {free / 2**30:.1f} GiB free")


def iota_masked(torch, rows, cache_len, offset, device):
    """Where the mask fills, by iota comparison: key > row + offset."""
    q = torch.arange(rows.start, rows.stop, device=device)[:, None]
    k = torch.arange(cache_len, device=device)[None, :]
    return k > q + offset


# --- past 2**31 elements ------------------------------------------------------------

def sampled_rows(n):
    """Rows to check in an [n, n] mask: the first, either side of the middle (where
    element 2**31 lies for n = 65536), and the last."""
    middle = n // 2
    return sorted({0, 1, 2, 31, 32, 33, middle - 1, middle, middle + 1, n - 33, n - 3, n - 2,
                   n - 1} & set(range(n)))


def check_sampled_rows(get_row, row_values):
    """Rows of an [n, n] causal mask whose every row held ``row_values`` before."""
    for r in sampled_rows(len(row_values)):
        want = row_values.copy()
        want[r + 1:] = -np.inf
        assert_bits_equal(get_row(r), want)


def check_all_rows(torch, x, row, chunk=4096):
    """Every element of a masked [1, 1, n, n] tensor whose every row held ``row``,
    compared on the tensor's device with an iota mask, ``chunk`` rows at a time."""
    n = row.shape[0]
    neg_inf = torch.tensor(float("-inf"), device=x.device, dtype=x.dtype)
    width = {2: torch.int16, 4: torch.int32, 8: torch.int64}[x.element_size()]
    for start in range(0, n, chunk):
        rows = range(start, min(start + chunk, n))
        want = torch.where(iota_masked(torch, rows, n, 0, x.device), neg_inf, row[None, :])
        got = x[0, 0, rows.start:rows.stop]
        assert torch.equal(got.view(width), want.view(width)), \
            f"rows {rows.start}..{rows.stop - 1} differ"


@pytest.mark.gpu
@pytest.mark.slow
def test_past_2_31_elements_device_array():
    """A numba device array of 2**32 float16 elements, masked in place; rows
    sampled on either side of element 2**31 and at the very end."""
    gpu = cuda()
    need_free_bytes(9 * 2**30)
    row = np.random.default_rng(31).standard_normal(BIG).astype(np.float16)
    host = np.empty((1, 1, BIG, BIG), np.float16)
    host[...] = row
    device = gpu.to_device(host)
    del host
    nc.apply_causal_mask(device, backend="cuda")
    gpu.synchronize()
    check_sampled_rows(lambda r: device[0, 0, r].copy_to_host(), row)


@pytest.mark.gpu
@pytest.mark.slow
def test_past_2_31_elements_host_copy():
    """The same through the host-copy path: a NumPy array on backend='cuda'."""
    cuda()
    need_free_bytes(9 * 2**30)
    row = np.random.default_rng(32).standard_normal(BIG).astype(np.float16)
    host = np.empty((BIG, BIG), np.float16)
    host[...] = row
    nc.apply_causal_mask(host, backend="cuda")
    check_sampled_rows(lambda r: host[r], row)


@pytest.mark.gpu
@pytest.mark.slow
def test_past_2_31_elements_full_check_torch():
    """Every element of a [1, 1, 65536, 65536] float16 torch tensor, checked on the
    device against an iota mask, 4096 rows at a time."""
    torch = torch_cuda()
    need_free_bytes(10 * 2**30)
    row = torch.randn(BIG, device="cuda", dtype=torch.float16)
    x = torch.empty((1, 1, BIG, BIG), device="cuda", dtype=torch.float16)
    x.copy_(row.expand(1, 1, BIG, BIG))
    ptr = x.data_ptr()
    nc.apply_causal_mask(x, backend="cuda")
    torch.cuda.synchronize()
    assert x.data_ptr() == ptr
    check_all_rows(torch, x, row)


# --- grids past the device limits (65535 along y and z) --------------------------------

def heads_pattern(b, h, pos, k):
    """Depends on the head, so a head folded into the wrong loop trip shows."""
    return (h + k) % 3 != 0


@pytest.mark.gpu
@pytest.mark.parametrize("shape", [(70000, 1, 2, 5), (1, 70000, 2, 5), (66000, 2, 1, 3)],
                         ids=["batch-70000", "heads-70000", "batch-66000-heads-2"])
def test_grid_beyond_limits(shape):
    """Batch or heads beyond 65535 fold into the kernel's loops; per-sequence
    offsets and lengths and a per-head predicate make every (b, h) distinct."""
    cuda()
    rng = np.random.default_rng(shape[0] + shape[1])
    batch = shape[0]
    options = {"q_offsets": rng.integers(-2, 5, batch), "kv_lens": rng.integers(0, 6, batch),
               "mask_fn": heads_pattern}
    x = random_scores(rng, shape, "float32")
    before = x.copy()
    nc.apply_causal_mask(x, backend="cuda", **options)
    assert_bits_equal(x, expected(before, masked_where(shape, **options)))


# --- torch CUDA tensors: zero-copy, every dtype, on the current stream -------------------

@pytest.mark.gpu
@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_zero_copy_on_current_stream(dtype):
    """Masked in place (same data_ptr) on the tensor's current, non-default stream:
    the stream is held busy before the tensor's contents arrive, so a launch on any
    other stream would mask too early and be overwritten. Twice: the second call
    takes the launch cache's replay."""
    torch = torch_cuda()
    t_dtype = getattr(torch, dtype)
    seq_len, cache_len = 37, 70
    stream = torch.cuda.Stream()
    for trip in range(2):
        src = torch.randn(3, 5, seq_len, cache_len, device="cuda").to(t_dtype)
        mask = iota_masked(torch, range(seq_len), cache_len, cache_len - seq_len, "cuda")
        want = src.masked_fill(mask, float("-inf"))
        x = torch.empty_like(src) if trip == 0 else x
        ptr = x.data_ptr()
        torch.cuda.synchronize()
        with torch.cuda.stream(stream):
            if hasattr(torch.cuda, "_sleep"):
                torch.cuda._sleep(100_000_000)  # ~50 ms of cycles on this stream
            x.copy_(src)
            nc.apply_causal_mask(x, backend="cuda")
        stream.synchronize()
        assert x.data_ptr() == ptr
        width = {2: torch.int16, 4: torch.int32, 8: torch.int64}[x.element_size()]
        assert torch.equal(x.view(width), want.view(width)), f"trip {trip}"


@pytest.mark.gpu
def test_torch_strided_view_zero_copy():
    """A sliced, permuted torch view: masked in place, the rest of its storage as it was."""
    torch = torch_cuda()
    base = torch.randn(4, 6, 40, 50, device="cuda")
    before = base.clone()
    view = base[1:3, ::2, 3:30, 5:45].transpose(0, 1)
    nc.apply_causal_mask(view, backend="cuda", window=7)
    torch.cuda.synchronize()
    got = base.cpu().numpy()
    was = before.cpu().numpy()
    inside = np.zeros(got.shape, bool)
    inside[1:3, ::2, 3:30, 5:45] = True
    assert_bits_equal(got[~inside], was[~inside])
    v_before = was[1:3, ::2, 3:30, 5:45].transpose(1, 0, 2, 3)
    assert_bits_equal(got[1:3, ::2, 3:30, 5:45].transpose(1, 0, 2, 3),
                      expected(v_before, masked_where(v_before.shape, window=7)))


# --- read-only device memory ------------------------------------------------------------

class ReadOnlyDeviceArray:
    """Device memory offered read-only through __cuda_array_interface__."""

    def __init__(self, device_array):
        self.owner = device_array
        desc = dict(device_array.__cuda_array_interface__)
        desc["data"] = (desc["data"][0], True)
        self.__cuda_array_interface__ = desc


@pytest.mark.gpu
def test_read_only_device_array_refused():
    gpu = cuda()
    host = random_scores(np.random.default_rng(5), (2, 3, 9, 33), "float32")
    device = gpu.to_device(host)
    with pytest.raises(ValueError, match="read-only"):
        nc.apply_causal_mask(ReadOnlyDeviceArray(device), backend="cuda")
    assert_bits_equal(device.copy_to_host(), host)


# --- dry runs of the checking code, on the CPU ------------------------------------------

def test_dry_run_checks_on_cpu():
    """check_sampled_rows, check_all_rows and iota_masked on small CPU arrays: they
    pass on a correct mask and catch a wrong element."""
    torch = pytest.importorskip("torch")
    for n in (1, 5, 130):
        mask = iota_masked(torch, range(n), n + 3, 3, "cpu").numpy()
        assert (mask == masked_where((n, n + 3))).all()
    n = 130
    row = np.random.default_rng(1).standard_normal(n).astype(np.float16)
    host = np.empty((n, n), np.float16)
    host[...] = row
    nc.apply_causal_mask(host, backend="cpu")
    check_sampled_rows(lambda r: host[r], row)
    x = torch.from_numpy(host.view(np.int16)).view(torch.float16)[None, None]
    check_all_rows(torch, x, torch.from_numpy(row.view(np.int16)).view(torch.float16), chunk=32)
    host[n - 1, n // 2] = -np.inf  # a wrong write in the last row
    with pytest.raises(AssertionError):
        check_sampled_rows(lambda r: host[r], row)
    with pytest.raises(AssertionError, match="rows 128..129"):
        check_all_rows(torch, x, torch.from_numpy(row.view(np.int16)).view(torch.float16),
                       chunk=32)


def test_dry_run_grid_case_on_cpu():
    """The grid test's case and expectation, at a size the CPU handles."""
    rng = np.random.default_rng(3)
    shape = (700, 3, 2, 5)
    options = {"q_offsets": rng.integers(-2, 5, shape[0]), "kv_lens": rng.integers(0, 6, shape[0]),
               "mask_fn": heads_pattern}
    x = random_scores(rng, shape, "float32")
    before = x.copy()
    nc.apply_causal_mask(x, backend="cpu", **options)
    assert_bits_equal(x, expected(before, masked_where(shape, **options)))
