import os
import shutil
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def node_binary() -> str:
    """KLA_NODE_BINARY, else the repository's Node 22 (npm package `node`), else `node` on PATH."""
    candidates = [os.environ.get("KLA_NODE_BINARY"), str(REPO_ROOT / "node_modules" / "node" / "bin" / "node")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("node")
    if not found:
        pytest.fail("no node binary: run npm install, or set KLA_NODE_BINARY")
    return found


@pytest.fixture
def task_root(tmp_path: Path):
    """Writes handler files: task_root({'index.mjs': '...'}) -> the folder."""

    def write(files: dict[str, str]) -> str:
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return str(tmp_path)

    return write
