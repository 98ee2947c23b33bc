"""The DuckDB the comparison scripts run: one version, installed from PyPI into a venv
under .data/ on first use (shared by w2-duckdb.py and w1file-duckdb.py)."""

import subprocess
import sys
from pathlib import Path

VENV = Path(__file__).resolve().parent / ".data" / "duckdb-venv"
DUCKDB_VERSION = "2.0.0"


def ensure_duckdb() -> Path:
    """The venv's python, with duckdb==DUCKDB_VERSION installed."""
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"installing duckdb=={DUCKDB_VERSION} into {VENV} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", f"duckdb=={DUCKDB_VERSION}"], check=True)
    return python
