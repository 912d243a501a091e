"""The ``numba-causal`` command: each subcommand run in-process (``cli.main``) and
as a real process (``python -m numba_causal`` and the console script), checked on
what it prints and on its exit status."""

import configparser
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import numba_causal as nc
from helpers import masked_where
from numba_causal import cli
from numba_causal.backends import unavailable_reasons

REPO = Path(__file__).resolve().parents[1]
ENTRY_POINT = "numba_causal.cli:main"


def _console_script_command() -> list:
    """How the installed ``numba-causal`` script is started; where the package is not
    installed, the same call the script makes (setup.cfg's entry point)."""
    script = Path(sys.executable).with_name("numba-causal")
    if script.exists():
        return [str(script)]
    module, func = ENTRY_POINT.split(":")
    return [sys.executable, "-c", f"import sys; from {module} import {func}; sys.exit({func}())"]


COMMANDS = {"module": [sys.executable, "-m", "numba_causal"], "script": _console_script_command()}


def run_process(args, how="module", **kwargs):
    """Run the command in a new process from a scratch folder; this checkout first on the path."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    env.pop(nc.backends.ENV_VAR, None)
    done = subprocess.run(COMMANDS[how] + list(args), capture_output=True, text=True, env=env,
                          timeout=300, **kwargs)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(params=["in-process", "subprocess"])
def run(request, capsys, monkeypatch, tmp_path):
    """``run(args) -> (exit status, stdout, stderr)``, in-process or in a new process
    (``run.subprocess`` says which)."""
    monkeypatch.delenv(nc.backends.ENV_VAR, raising=False)
    if request.param == "subprocess":
        def in_new_process(args):
            return run_process(args, cwd=tmp_path)
        in_new_process.subprocess = True
        return in_new_process

    def in_process(args):
        status = cli.main(list(args))
        out, err = capsys.readouterr()
        return status, out, err
    in_process.subprocess = False
    return in_process


def subprocess_covers(run, case, cases):
    """Skip a case in a new process unless it is one of ``cases``: every case runs
    in-process, and a new process (2-7 s each on CI's 2 cores: the interpreter, numba,
    the kernels' compiles) checks on that subset that a real process prints the same
    and exits with the same status."""
    if run.subprocess and case not in cases:
        pytest.skip("in-process only; a new process runs a subset of these cases")


def test_entry_point_is_declared():
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    scripts = dict(line.split("=", 1) for line in
                   cfg["options.entry_points"]["console_scripts"].strip().splitlines())
    assert {k.strip(): v.strip() for k, v in scripts.items()} == {"numba-causal": ENTRY_POINT}


def test_console_script_runs(tmp_path):
    status, out, err = run_process(["info"], how="script", cwd=tmp_path)
    assert status == 0, err
    assert out == nc.info() + "\n"


# --- help -------------------------------------------------------------------------------

def test_help_lists_commands_and_exit_status(run):
    status, out, _ = run(["--help"])
    assert status == 0
    assert out.startswith("usage: numba-causal")
    for command in ("info", "demo", "bench"):
        assert re.search(rf"^\s+{command}\s+\S", out, re.M), command
    assert "exit status:" in out and "3  the requested backend is not available" in out


@pytest.mark.parametrize("command, options", [
    ("info", []),
    ("demo", ["--backend", "--seq", "--cache", "--offset", "--window", "--dtype", "--seed"]),
    ("bench", ["--backend", "--shapes", "--json", "--plot", "--quick"]),
])
def test_help_of_each_command(run, command, options):
    status, out, _ = run([command, "--help"])
    assert status == 0
    assert out.startswith(f"usage: numba-causal {command}")
    for option in options:
        assert option in out


def test_version(run):
    status, out, _ = run(["--version"])
    assert (status, out.strip()) == (0, f"numba-causal {nc.__version__}")


# --- info ----------------------------------------------------------------------------------

def test_info(run):
    status, out, err = run(["info"])
    assert status == 0, err
    assert out == nc.info() + "\n"
    missing = unavailable_reasons()
    for name in ("hip", "cuda", "sim", "cpu"):
        line = next(s for s in out.splitlines() if s.strip().startswith(name + " "))
        assert ("unavailable" in line and "->" in line) if name in missing else " ok: " in line
    assert re.search(r"versions: .*numba \d", out)


# --- demo ----------------------------------------------------------------------------------

def parse_demo(out: str):
    """(values, mask) of the printed [seq_len, cache_len] matrix, and the row positions."""
    values, mask, positions = [], [], []
    section = None
    for line in out.splitlines():
        if line.startswith("scores[0, 0] after"):
            section = values
        elif line.startswith("mask (x kept"):
            section = mask
        elif section is not None and line.startswith("q="):
            head, rest = re.match(r"(q=\s*\d+\s+pos=-?\d+)\s+(.*)", line).groups()
            if section is values:
                positions.append(int(head.split("pos=")[1]))
                rest = rest.replace("(fully masked)", "")
                values.append([float(v) for v in rest.split()])
            else:
                mask.append([c == "." for c in rest])
    return np.array(values), np.array(mask), positions


DEMO_CASES = {
    "default": ([], (6, 8), {}),
    "kv cache": (["--seq", "3", "--cache", "9"], (3, 9), {}),
    "negative offset": (["--seq", "7", "--cache", "4"], (7, 4), {}),
    "explicit offset": (["--seq", "5", "--cache", "5", "--offset", "-2"], (5, 5), {"offset": -2}),
    "window": (["--seq", "6", "--cache", "10", "--window", "3"], (6, 10), {"window": 3}),
}


@pytest.mark.parametrize("case", DEMO_CASES, ids=list(DEMO_CASES))
def test_demo_prints_masked_scores(backend, run, case):
    if backend in ("cpu", "sim"):  # in a new process: each case once, on cpu or sim
        subprocess_covers(run, (backend, case), {("cpu", "default"), ("sim", "kv cache"),
                                                  ("cpu", "negative offset"),
                                                  ("sim", "explicit offset"), ("sim", "window")})
    args, (seq_len, cache_len), options = DEMO_CASES[case]
    seed = 1234
    status, out, err = run(["demo", "--backend", backend, "--seed", str(seed)] + args)
    assert status == 0, err
    assert f"backend: {backend} (asked for '{backend}')" in out
    assert f"match causal_mask_reference bit for bit; backend {backend} ran" in out

    values, mask, positions = parse_demo(out)
    where = masked_where((seq_len, cache_len), **options)
    np.testing.assert_array_equal(mask, where)
    offset = options.get("offset", cache_len - seq_len)
    assert positions == [q + offset for q in range(seq_len)]
    # the printed values are the demo's seeded inputs, -inf exactly where masked
    scores = np.random.default_rng(seed).standard_normal((1, 2, seq_len, cache_len),
                                                         dtype=np.float32)[0, 0]
    np.testing.assert_array_equal(np.isneginf(values), where)
    np.testing.assert_allclose(values[~where], scores[~where], atol=0.005 + 1e-9)
    for q in range(seq_len):
        row = next(s for s in out.splitlines() if s.startswith(f"q={q:<2d} pos="))
        assert row.endswith("(fully masked)") == bool(where[q].all())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_demo_dtypes(run, dtype):
    subprocess_covers(run, dtype, {"bfloat16"})  # ml_dtypes' bfloat16 in a new process
    status, out, err = run(["demo", "--backend", "cpu", "--dtype", dtype, "--seq", "4",
                            "--cache", "4", "--heads", "3", "--batch", "2"])
    assert status == 0, err
    assert out.startswith(f"scores [batch=2, heads=3, seq_len=4, cache_len=4] {dtype};")
    assert "all 96 elements (36 masked) match causal_mask_reference" in out
    _, mask, _ = parse_demo(out)
    np.testing.assert_array_equal(mask, np.triu(np.ones((4, 4), bool), 1))


def test_demo_auto_says_which_backend_ran(run):
    status, out, err = run(["demo", "--seed", "1"])
    assert status == 0, err
    ran = nc.get_backend("auto").name
    assert f"backend: {ran} (asked for 'auto')" in out and f"backend {ran} ran" in out


def test_demo_unavailable_backend_exits_3(run):
    missing = unavailable_reasons()
    if not missing:
        pytest.skip("every backend is available on this machine")
    name = sorted(missing)[0]
    status, out, err = run(["demo", "--backend", name])
    assert status == cli.EXIT_UNAVAILABLE == 3
    assert out == ""
    assert f"backend {name!r} is not available here" in err and "To get it: " in err


@pytest.mark.parametrize("args, message", [
    (["demo", "--seq", "0"], "argument --seq: must be between 1 and 64; got 0"),
    (["demo", "--cache", "65"], "argument --cache: must be between 1 and 64; got 65"),
    (["demo", "--window", "0"],
     "argument --window: must be between 1 and 4611686018427387904; got 0"),
    (["demo", "--seq", "three"], "argument --seq: not an integer: 'three'"),
    (["demo", "--backend", "tpu"], "argument --backend: invalid choice: 'tpu'"),
    (["demo", "--seed", "-1"], "argument --seed: must be at least 0; got -1"),
    (["demo", "--offset", str(2**70)], "argument --offset: must be between"),
    (["demo", "--window", str(2**62 + 1)], "argument --window: must be between 1 and"),
    (["info", "--bogus"], "unrecognized arguments: --bogus"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "the following arguments are required"),
])
def test_usage_errors_exit_2(run, args, message):
    # in a new process: a subcommand's argument and the top-level parser's errors
    subprocess_covers(run, message, {"argument --seq: must be between 1 and 64; got 0",
                                     "invalid choice: 'frobnicate'"})
    status, out, err = run(args)
    assert status == cli.EXIT_USAGE == 2
    assert out == ""
    assert err.startswith("usage: numba-causal") and message in err


def test_demo_mismatch_exits_1(capsys, monkeypatch):
    """A kernel that writes nothing must be caught by the demo's check."""
    monkeypatch.setattr(nc, "apply_causal_mask", lambda scores, **kw: scores)
    status = cli.main(["demo", "--backend", "cpu", "--seq", "4", "--cache", "4"])
    out, err = capsys.readouterr()
    assert status == cli.EXIT_MISMATCH == 1
    assert "check FAILED: 12 of 32 elements differ from causal_mask_reference, first at " \
           "(0, 0, 0, 1)" in err
    assert "match causal_mask_reference" not in out


def test_demo_unavailable_backend_in_process(capsys, monkeypatch):
    """Exit status 3 wherever the backend is refused, even on a machine that has them all."""
    def refuse(name="auto"):
        raise nc.BackendUnavailable(f"backend {name!r} is not available here: test")
    monkeypatch.setattr(nc, "get_backend", refuse)
    assert cli.main(["demo", "--backend", "cuda"]) == cli.EXIT_UNAVAILABLE
    assert capsys.readouterr().err == "numba-causal: backend 'cuda' is not available here: test\n"


def test_bad_backend_variable(capsys, monkeypatch):
    """An unknown $NUMBA_CAUSAL_BACKEND: info still reports (and says so), the demo
    refuses with exit status 2 and a one-line message naming the variable."""
    monkeypatch.setenv("NUMBA_CAUSAL_BACKEND", "bogus")
    assert cli.main(["info"]) == cli.EXIT_OK
    assert "default backend ('auto'): none: unknown backend 'bogus' (from " \
           "$NUMBA_CAUSAL_BACKEND)" in capsys.readouterr().out
    assert cli.main(["demo"]) == cli.EXIT_USAGE
    assert capsys.readouterr().err.startswith("numba-causal: unknown backend 'bogus' (from "
                                              "$NUMBA_CAUSAL_BACKEND); choose one of")


def test_unavailable_backend_variable(capsys, monkeypatch):
    """$NUMBA_CAUSAL_BACKEND naming a backend this machine lacks: info still reports
    (it is the command that says what is missing), and the error names the variable."""
    missing = [n for n in ("cuda", "hip") if n in unavailable_reasons()]
    if not missing:
        pytest.skip("every GPU backend is available here")
    monkeypatch.setenv("NUMBA_CAUSAL_BACKEND", missing[0])
    assert cli.main(["info"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert f"default backend ('auto'): none: backend '{missing[0]}' (from " \
           "$NUMBA_CAUSAL_BACKEND) is not available here" in out
    assert "backends:" in out and "versions:" in out


def test_bench_case_past_memory_exits_2(capsys, monkeypatch):
    """A --shapes case that does not fit in memory ends in one line and exit status 2,
    not a traceback."""
    from numba_causal import bench

    def run_benchmark(*args, **kwargs):
        raise MemoryError("Unable to allocate 596. GiB")

    monkeypatch.setattr(bench, "run_benchmark", run_benchmark)
    status = cli.main(["bench", "--backend", "cpu", "--shapes", "400000x400000"])
    err = capsys.readouterr().err
    assert status == cli.EXIT_USAGE
    assert "error: a case does not fit in memory (MemoryError: Unable to allocate" in err
    assert "Traceback" not in err


def test_run_benchmark_refuses_what_it_cannot_run():
    """The Python entry refuses an op it does not know (it ran no rows), dtypes
    given as one string (each character taken as a dtype) and a case the op's
    benchmark cannot run (its float64 check failed on the NaN of a fully masked
    row), before any work, as the command line does."""
    from numba_causal import bench

    with pytest.raises(ValueError, match="unknown op 'nope'; choose from attention, mask"):
        bench.run_benchmark("cpu", ops=["nope"], progress=False)
    with pytest.raises(ValueError, match="got dtypes 'float32' for shape"):
        bench.run_benchmark("cpu", cases=[((4, 4), "float32")], progress=False)
    with pytest.raises(ValueError, match="softmax needs seq_len <= cache_len"):
        bench.run_benchmark("cpu", cases=[((9, 8), ("float32",))], ops=["softmax"],
                            progress=False)


def test_bench_ragged_attention_on_the_cpu():
    """A ragged --shapes row (seventh size 1) runs ragged kv_lens on the CPU too: it
    moves fewer bytes than the same shape dense (it ran dense before 2026-12-05)."""
    from numba_causal import bench

    shape = (4, 4, 2, 1, 64, 16)
    cases = [(shape + (1,), ("float32",)), (shape, ("float32",))]
    result = bench.run_benchmark("cpu", cases=cases, repeats=1, progress=False, peers=False,
                                 ops=["attention"])
    ragged, dense = result["rows"]
    assert ragged.shape == shape + (1,) and dense.shape == shape
    assert ragged.floor_ms < dense.floor_ms  # the floor: the valid keys' bytes


def test_a_reader_that_leaves_early_is_no_error():
    """``numba-causal demo | head -1``: the closed pipe ends the command quietly."""
    command = shlex.join(COMMANDS["module"] + ["demo", "--backend", "cpu"]) + " | head -n 1"
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                          timeout=300)
    assert done.stdout.startswith("scores [batch=1")
    assert done.stderr == ""


# --- bench ----------------------------------------------------------------------------------

def test_bench_passes_every_argument_through(capsys, monkeypatch):
    from numba_causal import bench

    seen = []
    monkeypatch.setattr(bench, "main", lambda argv: seen.append(argv) or 7)
    argv = ["--backend", "cpu", "--quick", "--json", "x.json", "-h", "--version", "extra"]
    assert cli.main(["bench"] + argv) == 7
    assert seen == [argv]


def test_bench_runs(run, tmp_path):
    out_json = tmp_path / "bench.json"
    status, out, err = run(["bench", "--backend", "cpu", "--shapes", "1x2x40x48:float32;24x24",
                            "--repeats", "2", "--no-progress", "--json", str(out_json)])
    assert status == 0, err
    assert "numba_causal bench, backend cpu" in out
    table = [line for line in out.splitlines() if line.startswith("| ")]
    assert [row.split("|")[2].strip() for row in table] == ["shape", "1x2x40x48", "24x24"]
    assert [row.split("|")[1].strip() for row in table] == ["op", "mask", "mask"]
    result = json.loads(out_json.read_text())
    assert [r["shape"] for r in result["rows"]] == [[1, 2, 40, 48], [24, 24]]
    assert all(r["ms"] > 0 for r in result["rows"])


def test_bench_overhead_times_every_op_a_loop_calls():
    """--overhead's host time per call: the mask, the softmax, attention and rotary (a
    repeated call, replayed by the host fast path) beside their peers."""
    from numba_causal import bench

    times = bench.call_overhead_us("cpu", calls=20)
    assert {"ours", "ours softmax", "numpy.copyto", "ours attention",
            "ours rotary"} <= set(times)
    assert all(0 < t < 1e6 for t in times.values()), times


def test_bench_shapes_take_a_dtype_mode(run):
    """rotary's cos/sin table rows, asked for by ``NAME+table`` as its sweep has them."""
    status, out, err = run(["bench", "--backend", "cpu", "--ops", "rotary", "--shapes",
                            "1x4x2x2x16:float32+table,float32", "--repeats", "1",
                            "--no-progress"])
    assert status == 0, err
    table = [line.split("|") for line in out.splitlines() if line.startswith("| ")][1:]
    assert [(r[1].strip(), r[3].strip()) for r in table] == [("rotary cos/sin", "float32"),
                                                             ("rotary base", "float32")]


def test_bench_shapes_take_the_softmax_mask_modes():
    """softmax's own GPU sweep rows (``+window1024``, ``+kv_lens``) pass --shapes'
    check; a window without a positive width, or a mode it lacks, does not."""
    from numba_causal import bench, softmax

    family = softmax.CAUSAL_SOFTMAX
    bench.check_shapes([family], family.bench_shapes["gpu"])
    bench.check_shapes([family], [((1, 1, 4, 64), ["float16+window16", "float32+kv_lens"])])
    for bad in ("float16+window", "float16+window0", "float16+windowx", "float16+table"):
        with pytest.raises(ValueError, match=r"softmax takes no mode .*windowN, \+kv_lens"):
            bench.check_shapes([family], [((1, 1, 4, 64), [bad])])


def test_bench_usage_error_exits_2(run):
    status, out, err = run(["bench", "--shapes", "2x3x4"])
    assert status == 2
    assert err.startswith("usage: numba-causal bench") and "mask takes 2 or 4 sizes" in err


@pytest.mark.parametrize("args, message", [
    (["--repeats", "0"], "argument --repeats: must be at least 1; got 0"),
    (["--repeats", "-1"], "argument --repeats: must be at least 1; got -1"),
    (["--repeats", "many"], "argument --repeats: not an integer: 'many'"),
    (["--shapes", "garbage"], "argument --shapes: 'garbage' is not a shape; expected SHAPE[:DTYPE"),
    (["--shapes", "4x4:float8"], "unknown dtype 'float8'; expected SHAPE[:DTYPE"),
    (["--shapes", "4x0"], "shape '4x0' must have 2 or more positive sizes"),
    (["--shapes", "4x-2"], "shape '4x-2' must have 2 or more positive sizes"),
    (["--shapes", "8"], "shape '8' must have 2 or more positive sizes"),
    (["--shapes", ";"], "no shape given; expected SHAPE[:DTYPE"),
    (["--ops", "attention", "--shapes", "1x4x64x64"], "--shapes 1x4x64x64: attention takes 6 "
     "or 7 sizes (batch x heads_q x heads_kv x seq_len x cache_len x head_dim"),
    (["--ops", "rotary", "--shapes", "64x64"], "--shapes 64x64: rotary takes 5 sizes"),
    (["--shapes", "1x8x2x1x512x64"], "--shapes 1x8x2x1x512x64: mask takes 2 or 4 sizes"),
    (["--shapes", "4x4:float16+table"], "dtype 'float16+table': mask takes no mode +table "
     "(its modes: none)"),
    (["--ops", "rotary", "--shapes", "1x8x4x4x64:float16+tables"], "dtype 'float16+tables': "
     "rotary takes no mode +tables (its modes: +table)"),
    (["--shapes", "4x4:float8+table"], "unknown dtype 'float8+table'"),
    (["--plot", "no/such/folder/x.png"], "argument --plot: folder "),
    (["--plot", "."], "argument --plot: '.' is a folder: name a file in it"),
    (["--plot", "chart.xyz"], "argument --plot: 'chart.xyz': name a file ending in .png, .svg"),
    (["--plot", "chart"], "argument --plot: 'chart': name a file ending in .png"),
    (["--json", "no/such/folder/x.json"], "argument --json: folder "),
    (["--json", "."], "argument --json: '.' is a folder: name a file in it"),
    (["--ops", "nope"], "argument --ops: unknown op 'nope'; choose from "),
    (["--json", ""], "argument --json: name a file"),
    # cases in the layout that a family's benchmark still cannot run (bench_check)
    (["--ops", "softmax", "--shapes", "1x1x4x4:float32+window2"],
     "softmax runs its +window2 rows on a GPU backend (cuda, hip) only"),
    (["--ops", "softmax", "--shapes", "9x8"], "softmax needs seq_len <= cache_len (got 9 > 8"),
    (["--ops", "softmax_backward", "--shapes", "9x8"], "softmax_backward needs seq_len <="),
    (["--ops", "attention", "--shapes", "1x2x2x9x8x8"], "attention needs seq_len <= cache_len"),
    (["--ops", "attention", "--shapes", "1x3x2x1x8x8"],
     "attention needs heads_q a multiple of heads_kv; got 3 and 2"),
    (["--ops", "attention", "--shapes", "1x2x2x1x8x8x5"],
     "attention takes 1 as a seventh size (ragged kv_lens); got 5"),
    (["--ops", "rotary", "--shapes", "1x1x1x1x3"], "rotary needs an even head_dim"),
    (["--shapes", "99999999999999999999x2"], "has 2e+20 elements: more than any memory holds"),
])
def test_bench_checks_input_before_any_work(capsys, monkeypatch, args, message):
    """Usage errors exit 2 at once: nothing is measured first (run_benchmark refuses)."""
    from numba_causal import bench

    monkeypatch.setattr(bench, "run_benchmark", lambda *a, **k: pytest.fail("the run started"))
    status = cli.main(["bench", "--backend", "cpu"] + args)
    err = capsys.readouterr().err
    assert status == cli.EXIT_USAGE
    assert err.startswith("usage: numba-causal bench") and message in err
    assert "parse_shapes" not in err and "Traceback" not in err


def test_bench_plot_without_matplotlib_fails_at_once(capsys, monkeypatch, tmp_path):
    from numba_causal import bench

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    monkeypatch.setattr(bench, "run_benchmark", lambda *a, **k: pytest.fail("the run started"))
    status = cli.main(["bench", "--backend", "cpu", "--plot", str(tmp_path / "x.png")])
    assert status == cli.EXIT_USAGE
    assert "argument --plot: needs matplotlib" in capsys.readouterr().err


def test_bench_help_explains_columns_and_defaults(capsys):
    assert cli.main(["bench", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for words in ("'ours ms' is our time (lower is better)", "'floor/ours' the fraction",
                  "higher is better", "above 1: we are faster", "where to run (default: auto)",
                  "(default: 50 on a GPU, 10 on the CPU, 3 on the simulator)",
                  "lower is better", "a case small enough to stay in a cache can pass"):
        assert words in text, words
    assert "(default: None)" not in text and "(default: False)" not in text
    for line in text.split("--")[1:]:
        assert line.count("(default:") <= 1, line


# --- install hints ----------------------------------------------------------------------------

@pytest.mark.parametrize("cause, hint", [
    ("missing", "pip install -e '.[cuda]' in a checkout of numba-causal"),
    ("no-nvidia-gpu", "numba-cuda is installed; it needs an NVIDIA GPU and driver"),
    ("cudasim", "unset NUMBA_ENABLE_CUDASIM"),
])
def test_unavailable_backend_hint_follows_the_cause(monkeypatch, cause, hint):
    from numba_causal import backends

    def probe():
        raise backends.BackendUnavailable("the reason", cause)

    monkeypatch.setitem(backends._PROBES, "cuda", probe)
    reason = backends._probe_once.__wrapped__("cuda")
    original = backends._probe
    monkeypatch.setattr(backends, "_probe", lambda name: reason if name == "cuda" else original(name))
    with pytest.raises(nc.BackendUnavailable, match="the reason") as refused:
        nc.get_backend("cuda")
    assert f"To get it: {hint}" in str(refused.value)
    line = next(s for s in nc.info().splitlines() if s.strip().startswith("cuda "))
    assert f"unavailable: the reason -> {hint}" in line
    assert ("pip install" in line) == (cause == "missing")


def test_hip_hint_names_the_environment_without_numba_cuda():
    from numba_causal import backends

    assert "without numba-cuda" in backends.INSTALL_HINT["hip"]
    assert "pip install -e '.[rocm]'" in backends.INSTALL_HINT["hip"]


# --- installs -----------------------------------------------------------------------------------

def test_base_install_pins_nothing_down_for_gpu_extras():
    """The base install must not downgrade a CUDA user's numba or numpy: the upper
    bounds belong to the extras whose packages need them."""
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    base = config["options"]["install_requires"].split()
    assert "<" not in " ".join(base), base
    extras = {k: v.split() for k, v in config["options.extras_require"].items()}
    assert any(r.startswith("numba<") for r in extras["rocm"])
    assert any(r.startswith("numpy<") for r in extras["cuda"])
    assert not any("numba-cuda" in r for r in extras["test-rocm"])
    assert any("numba-cuda" in r for r in extras["test"])
