"""notebooks/causal_mask_tour.ipynb runs top to bottom, in a python3 kernel of this
interpreter, and is stored with the outputs of such a run (so its figures and
tables render on a repository page): ``python tools/run_notebook.py`` refreshes
them."""

import os
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="needs the test extra: nbformat")
nbclient = pytest.importorskip("nbclient", reason="needs the test extra: nbclient")
pytest.importorskip("ipykernel", reason="needs the test extra: ipykernel")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "causal_mask_tour.ipynb"
BUDGET_S = 90  # the tour must stay quick on a 2-core CPU-only machine
FIGURES = 4  # the masks, the predicates, a head rotating, the benchmark


def test_notebook_is_stored_with_the_outputs_of_one_run():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    # every code cell ran, once, in order, without an error
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert len([o for o in outputs if "image/png" in o.get("data", {})]) == FIGURES


@pytest.fixture
def python3_kernel(tmp_path, monkeypatch):
    """A 'python3' kernelspec that starts ipykernel in this interpreter, found first;
    the kernel imports this checkout of numba_causal."""
    from ipykernel.kernelspec import install
    from jupyter_client.kernelspec import KernelSpecManager

    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    install(kernel_name="python3", prefix=str(tmp_path))
    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(REPO)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend draws
    monkeypatch.delenv("NUMBA_CAUSAL_BACKEND", raising=False)
    return "python3"


def test_notebook_runs(python3_kernel, tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name=python3_kernel, timeout=300,
                                     resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, with the cell and traceback, if a cell fails
    seconds = time.perf_counter() - start

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    rich = "".join(o.get("data", {}).get("text/markdown", "") for o in outputs
                   if o.output_type == "display_data")
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert "this notebook uses" in text and "elements masked" in text
    # the comparison table covers every available backend and every row is bit-exact
    import numba_causal as nc

    for name in nc.available_backends():
        for case in ("causal", "offset=-2", "kv_lens", "chunked(4)", "documents, window 4"):
            assert f"| {name} | {case} |" in rich
    assert "| yes |" in rich and "| NO |" not in rich
    for name in nc.available_backends():  # the causal softmax against its reference
        assert f"{name}: matches the reference" in text
    assert "| 1x8x256x256 | float32 |" in rich  # the benchmark table
    assert len(images) == FIGURES
    assert seconds < BUDGET_S, f"the tour took {seconds:.0f} s (budget {BUDGET_S} s)"
