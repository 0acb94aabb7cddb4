"""SIGTERM (what a scheduler or `kill` sends) cleans up like Ctrl-C: no `.<out>.partial-*` folder is left."""

import signal
import subprocess
import sys
import time

import pytest

CLI = [sys.executable, "-m", "moatlab"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_while_writing_leaves_no_partial_folder(tmp_path):
    out = tmp_path / "o"
    p = subprocess.Popen(
        [*CLI, "landscape", "--alpha0", "0.05", "--theta-grid", "0:1:1001", "--penalty-grid", "0:0.5:1001",
         "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        t0 = time.monotonic()
        while p.poll() is None and not list(tmp_path.glob(".o.partial-*")) and time.monotonic() - t0 < 240:
            time.sleep(0.02)
        if p.poll() is not None:
            pytest.fail("the command finished before its output folder was seen: enlarge the grid")
        assert list(tmp_path.glob(".o.partial-*")), "no partial folder appeared"
        time.sleep(0.2)  # well inside the writing (a 1001×1001 netCDF file and plot)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 128 + signal.SIGTERM, err
    assert err.strip() == "error: terminated" and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # neither the partial folder nor a half-written --out
