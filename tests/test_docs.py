"""The documentation: ``mkdocs build --strict`` succeeds (broken links, references
and docstrings fail it), and the examples in the pages run as shown.

Examples: in each page, the ```python blocks run in order in one namespace; a
```text block right after a python block is that block's expected output. A
```bash block that runs ``numba-causal demo`` and is followed by a ```text block
is run in-process and compared the same way; a ``...`` line in expected output
stands for any number of lines.
"""

import contextlib
import io
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from numba_causal import cli

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
EXAMPLE_PAGES = ["index.md", "getting-started.md", "semantics.md", "authoring-kernels.md",
                 "pytorch.md"]
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.S | re.M)


def blocks(page: str) -> list:
    """[(language, text, expected output or None)] of a page's top-level fenced blocks."""
    text = (DOCS / page).read_text()
    found = [(m.group(1), m.group(2), m.start(), m.end()) for m in FENCE.finditer(text)]
    out = []
    for i, (lang, body, _, end) in enumerate(found):
        follows = found[i + 1] if i + 1 < len(found) else None
        expected = None
        if lang in ("python", "bash") and follows and follows[0] == "text" \
                and not text[end:follows[2]].strip():
            expected = follows[1]
        out.append((lang, body, expected))
    return out


def lines_match(got: list, want: list) -> bool:
    """``got`` equals ``want`` line by line, where a '...' line in ``want`` matches any lines."""
    if not want:
        return not got
    if want[0] == "...":
        return any(lines_match(got[i:], want[1:]) for i in range(len(got) + 1))
    return bool(got) and got[0] == want[0] and lines_match(got[1:], want[1:])


def assert_output(actual: str, expected: str, where: str):
    got = [line.rstrip() for line in actual.rstrip("\n").splitlines()]
    want = [line.rstrip() for line in expected.rstrip("\n").splitlines()]
    assert lines_match(got, want), \
        f"{where}: output differs\n--- shown in the docs\n{expected}--- actual\n{actual}"


def test_pages_in_nav_exist():
    nav = re.findall(r"^\s*-\s[^:]+:\s*(\S+\.md)\s*$", (REPO / "mkdocs.yml").read_text(), re.M)
    assert "index.md" in nav and "api.md" in nav
    missing = [page for page in nav if not (DOCS / page).is_file()]
    assert not missing, f"in mkdocs.yml's nav but not in docs/: {missing}"


@pytest.mark.parametrize("page", EXAMPLE_PAGES)
def test_python_examples_run_as_shown(page, monkeypatch, tmp_path):
    monkeypatch.delenv("NUMBA_CAUSAL_BACKEND", raising=False)
    namespace = {"__name__": f"docs_{page}"}
    ran = 0
    for number, (lang, body, expected) in enumerate(blocks(page)):
        if lang != "python":
            continue
        # each block runs from a file of its own, as it would from the reader's
        # module: Numba's on-disk kernel cache needs a source file
        source = tmp_path / f"{Path(page).stem.replace('-', '_')}_block{number}.py"
        source.write_text(body)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(body, str(source), "exec"), namespace)
        ran += 1
        if expected is not None:
            assert_output(out.getvalue(), expected, f"docs/{page} block {number}")
    if page != "getting-started.md":
        assert ran, f"docs/{page} has no python example"


def _cli_commands(page: str):
    """(argv after 'numba-causal', expected output or None) for each command in bash blocks."""
    for lang, body, expected in blocks(page):
        if lang != "bash":
            continue
        for line in body.splitlines():
            line = line.split("#")[0]
            for part in re.split(r"&&|;", line):
                words = shlex.split(part)
                if words and Path(words[0]).name == "numba-causal":
                    yield words[1:], expected


@pytest.mark.parametrize("page", EXAMPLE_PAGES)
def test_cli_examples_are_valid(page, capsys):
    parser = cli.build_parser()
    for argv, expected in _cli_commands(page):
        if argv[:1] == ["bench"]:  # bench parses its own options: they must be in its help
            assert cli.main(["bench", "--help"]) == 0
            help_text = capsys.readouterr().out
            for option in (a for a in argv[1:] if a.startswith("--")):
                assert option in help_text, f"docs/{page}: bench has no option {option}"
            continue
        parser.parse_args(argv)  # exits (fails the test) on an unknown option
        if expected is not None:
            assert cli.main(argv) == 0
            assert_output(capsys.readouterr().out, expected, f"docs/{page}: numba-causal {argv}")


def mkdocs_build(config: Path, site: Path):
    pytest.importorskip("mkdocs", reason="needs mkdocs (the docs extra) to build the docs")
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                           "--config-file", str(config), "--site-dir", str(site)],
                          cwd=site.parent, capture_output=True, text=True, timeout=600)


def test_strict_build(tmp_path):
    site = tmp_path / "site"
    done = mkdocs_build(REPO / "mkdocs.yml", site)
    assert done.returncode == 0, done.stdout + done.stderr
    api = (site / "api" / "index.html").read_text()
    # generated from the docstrings, not written by hand
    assert "Mask <code>scores</code> in place and return the same object." in api
    assert 'id="numba_causal.apply_causal_mask"' in api
    semantics = (site / "semantics" / "index.html").read_text()
    assert 'href="../api/#numba_causal.apply_causal_mask"' in semantics  # a resolved reference


def test_strict_build_fails_on_a_broken_reference(tmp_path):
    """The strict build is a real check: a reference to a name that does not exist fails it."""
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs)
    with open(docs / "semantics.md", "a") as page:
        page.write("\nSee [nothing][numba_causal.no_such_function].\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text((REPO / "mkdocs.yml").read_text().replace("paths: [.]", f"paths: [{REPO}]"))
    done = mkdocs_build(config, tmp_path / "site")
    assert done.returncode != 0
    assert "numba_causal.no_such_function" in done.stdout + done.stderr
