"""Run notebooks/causal_mask_tour.ipynb top to bottom and store it with its outputs.

    python tools/run_notebook.py

Uses the interpreter's own python3 kernel (ipykernel) and this checkout of
numba_causal; tests/test_notebook.py checks that the stored outputs come from
one complete run and executes the notebook again."""

import os
import sys
from pathlib import Path

import nbclient
import nbformat

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "causal_mask_tour.ipynb"


def main() -> int:
    os.environ["PYTHONPATH"] = os.pathsep.join([str(REPO)] + [
        p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    os.environ.pop("NUMBA_CAUSAL_BACKEND", None)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(REPO / "notebooks")}}).execute()
    nbformat.write(nb, NOTEBOOK)
    print(f"stored {NOTEBOOK.relative_to(REPO)} with the outputs of this run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
