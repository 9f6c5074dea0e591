"""The kernels run as plain Python under NUMBA_DISABLE_JIT=1 and give the compiled results.

Run in a subprocess (numba reads the variable at import). A tiny county keeps it fast.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
SCRIPT = r"""
import sys, warnings
import numpy as np
warnings.simplefilter("ignore")  # numpy scalar uint64 arithmetic wraps (intended) and warns in Python mode
import simulator
r = simulator.run("scenarios/reference.toml", overrides=["population.size=150", "population.villages=5",
                  "scenario.years=1"], replications=2, seed=31, threads=1)
np.save(sys.argv[1], r.flows[["episodes", "cost", "fund", "oop", "days", "payment"]].to_numpy())
"""


def run_script(tmp_path: Path, name: str, disable: bool) -> np.ndarray:
    env = dict(os.environ, NUMBA_DISABLE_JIT="1" if disable else "0")
    out = tmp_path / f"{name}.npy"
    subprocess.run([sys.executable, "-c", SCRIPT, str(out)], cwd=REPO, env=env, check=True, timeout=300)
    return np.load(out)


def test_python_mode_matches_compiled(tmp_path) -> None:
    compiled = run_script(tmp_path, "jit", disable=False)
    python = run_script(tmp_path, "py", disable=True)
    assert compiled.sum() > 0
    np.testing.assert_allclose(python, compiled, rtol=1e-9, atol=1e-6)
