"""Run many ``moatlab`` command lines fast, each in its own process, under a memory and time cap.

Started once per test session (``python tests/cli_harness.py``), this process imports moatlab's
CLI and its heavy dependencies once, then reads one JSON request per line on stdin::

    {"argv": ["race", "run", "bad.toml", "--out", "o"], "cwd": "/tmp/x", "mem_mb": 512, "timeout": 60}

and answers one JSON line on stdout with ``rc`` (the exit status; ``-N`` for a signal), ``stdout``,
``stderr`` and ``seconds``. Each request runs in a process forked from this one, so it is as
isolated as ``python -m moatlab ...`` (its own memory, file descriptors, working folder and
signal handlers) but starts in milliseconds. The child runs exactly what ``python -m moatlab``
runs (``moatlab.cli.main.main``), with

* ``RLIMIT_AS`` set to its current address space plus ``mem_mb``: a request that tries to
  allocate more gets a ``MemoryError`` (which shows as a traceback, i.e. a failed test) instead
  of eating the machine;
* ``alarm(timeout)``: a request that runs away is killed by SIGALRM (``rc == -14``).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import tempfile
import time
import traceback


def _vm_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0  # pragma: no cover - not Linux


def _child(req: dict, out_fd: int, err_fd: int) -> None:
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    os.chdir(req["cwd"])
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(int(req.get("timeout", 60)))
    mem = int(req.get("mem_mb", 0))
    if mem:
        cap = _vm_bytes() + mem * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    code = 0
    try:
        from moatlab.cli.main import main

        main(list(req["argv"]))
    except SystemExit as e:
        c = e.code
        code = c if isinstance(c, int) else (0 if c is None else 1)
        if c is not None and not isinstance(c, int):
            print(c, file=sys.stderr)
    except BaseException:  # what the interpreter would do with an uncaught exception
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def run(req: dict) -> dict:
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            _child(req, fo.fileno(), fe.fileno())
        _, status = os.waitpid(pid, 0)
        seconds = time.perf_counter() - t0
        rc = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        return {
            "rc": rc,
            "stdout": fo.read().decode("utf-8", "replace"),
            "stderr": fe.read().decode("utf-8", "replace"),
            "seconds": seconds,
        }


def _warm() -> None:
    """Import what the commands import lazily, once, so that each forked request starts warm."""
    import matplotlib

    matplotlib.use("Agg")
    import importlib

    for mod in ("numpy", "pandas", "xarray", "scipy.stats", "yaml", "matplotlib.pyplot", "moatlab.cli.main",
                "moatlab.game", "moatlab.game.landscape", "moatlab.race", "moatlab.sweep", "moatlab.report",
                "moatlab.measures", "moatlab.plots.game", "moatlab.market"):
        try:
            importlib.import_module(mod)
        except ImportError:  # an optional extra missing: the command itself will say so
            pass


def serve() -> None:
    _warm()
    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        out.write(json.dumps(run(json.loads(line))) + "\n")
        out.flush()


if __name__ == "__main__":
    serve()
