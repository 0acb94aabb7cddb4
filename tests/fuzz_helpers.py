"""Client side of :mod:`tests.cli_harness` and the checks every bad input must pass.

``cli(argv, cwd)`` runs ``moatlab ARGV`` in a fresh forked process (memory- and time-capped) and
returns its exit code and output; ``assert_one_line(...)`` is the promise the CLI makes for bad
input: exit code 2, exactly one line on stderr starting ``error:`` that names what was wrong, no
traceback, nothing written.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
BAD = HERE / "fixtures" / "bad"
SRC = HERE.parent / "src"

#: Memory a single command may allocate beyond what the warm process already holds.
MEM_MB = 768


@dataclass
class Result:
    rc: int
    stdout: str
    stderr: str
    seconds: float


class _Harness:
    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        env.setdefault("MPLBACKEND", "Agg")
        for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
            env[k] = "1"
        env["COLUMNS"] = "200"
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "cli_harness.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        ready = self.proc.stdout.readline()
        if not ready.startswith('{"ready"'):
            raise RuntimeError(f"the CLI harness did not start: {ready!r}")

    def run(self, argv, cwd, mem_mb: int = MEM_MB, timeout: int = 60) -> Result:
        req = {"argv": [str(a) for a in argv], "cwd": str(cwd), "mem_mb": mem_mb, "timeout": timeout}
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the CLI harness died")
        return Result(**json.loads(line))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)


_harness: _Harness | None = None


def cli(argv, cwd, mem_mb: int = MEM_MB, timeout: int = 60) -> Result:
    """Run ``moatlab ARGV`` in folder ``cwd`` in its own process (forked from a warm harness)."""
    global _harness
    if _harness is None or _harness.proc.poll() is not None:
        _harness = _Harness()
        atexit.register(_harness.close)
    return _harness.run(argv, cwd, mem_mb, timeout)


def listing(folder: Path) -> set[str]:
    """Every path under ``folder`` (relative), to check that a failed command wrote nothing."""
    return {str(p.relative_to(folder)) for p in Path(folder).rglob("*")}


def assert_one_line(r: Result, names: str | tuple[str, ...] = (), *, before=None, folder=None) -> str:
    """Exit 2, one ``error:`` line on stderr naming one of ``names``, no traceback, nothing written."""
    context = f"rc={r.rc}\nstdout:\n{r.stdout[-2000:]}\nstderr:\n{r.stderr[-4000:]}"
    assert "Traceback" not in r.stderr, context
    assert r.rc == 2, context
    lines = r.stderr.splitlines()
    assert len(lines) == 1, context
    assert lines[0].startswith("error: "), context
    assert len(lines[0]) < 1500, context  # values are shortened, never echoed whole
    if isinstance(names, str):
        names = (names,)
    if names:
        assert any(n in lines[0] for n in names), context
    if folder is not None:
        assert listing(folder) == before, (sorted(listing(folder) - before), context)
    return lines[0]
