"""The layering holds: tracker never imports dash, plotly or the dashboards (import-linter), and only
tracker/db.py imports duckdb."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO


def test_import_linter_contracts_hold() -> None:
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports")], capture_output=True, text=True,
                            cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_only_db_imports_duckdb() -> None:
    importers = sorted(
        str(path.relative_to(REPO)) for folder in ("tracker", "dashboards") for path in (REPO / folder).rglob("*.py")
        if re.search(r"^\s*(import duckdb|from duckdb)", path.read_text(), flags=re.MULTILINE)
    )
    assert importers == ["tracker/db.py"]
