"""The comparative benchmark runs end to end in its quick form."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MECHANISMS = {"no-history", "fleet", "simple-history", "reversion"}


def test_quick_benchmark_measures_every_mechanism(tmp_path):
    out = tmp_path / "bench.json"
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--quick",
            "--databases",
            "sqlite",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    sizes = json.loads(out.read_text())["databases"]["sqlite"]["sizes"]
    assert set(sizes["10"]) == MECHANISMS
    for figures in sizes["10"].values():
        assert {"edit", "form", "add", "remove", "revert", "bytes_per_edit"} <= set(
            figures
        )
