"""Work budgets (moatlab._limits): every entry point refuses an oversized request before allocating.

Each command runs in its own process under a memory cap (tests/cli_harness.py: ``RLIMIT_AS`` of
the warm process plus 768 MB, and a time limit), so a regression that allocates first fails with
a MemoryError traceback or a timeout instead of eating the machine.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

from moatlab import _limits
from moatlab.errors import LimitError, ParameterError

from .fuzz_helpers import BAD, SRC, assert_one_line, cli, listing

# (argv, words the one line must contain): huge requests through every kind of entry point
HUGE = {
    "landscape-points": (["landscape", "--theta-grid", "0:1:50000", "--penalty-grid", "0:0.5:50000"],
                         "landscape theta × penalty grid"),
    "landscape-axis": (["landscape", "--theta-grid", "0:1:10000000000"], "--theta-grid"),
    "race-horizon": (["race", "revenue", "--m", "1000000000"], "--m = 1000000000"),
    "race-grid-axis": (["race", "sweep", "--open-upgrade", "1:10:100000000"], "--open-upgrade"),
    "race-cells": (["race", "sweep", "--open-compute", "1:10:1000000", "--m", "1000"], "race sweep points"),
    "market-values": (["market", "sweep", "--field", "appropriability", "--values", "0:1:100000000"],
                      "--values"),
    "market-values-runs": (["market", "sweep", "--field", "appropriability", "--values", "0:1:1000000"],
                           "--values × --seeds"),
    "market-seeds": (["market", "run", "baseline", "--seeds", "1000000000"], "--seeds"),
    "sweep-samples": (["sweep", "run", "sweep_huge_samples.toml"], "sweep_huge_samples.toml"),
    "sweep-grid": (["sweep", "run", "sweep_huge_grid.toml"], "--max-points"),
    "policy-draws": (["policy", "search", "policy_huge_draws.toml"], "draws"),
    "policy-grid": (["policy", "search", "policy_huge_grid.toml"], "grid² × draws"),
    "race-draws": (["race", "run", "race_huge_draws.toml"], "uncertain.draws"),
}


@pytest.mark.parametrize("case", sorted(HUGE))
def test_a_huge_request_is_refused_in_one_line_before_allocating(tmp_path, case):
    argv, needle = HUGE[case]
    for a in argv:
        if a.endswith(".toml"):
            (tmp_path / a).write_bytes((BAD / a).read_bytes())
    argv = argv if argv[:2] == ["race", "revenue"] else [*argv, "--out", "out"]
    before = listing(tmp_path)
    r = cli(argv, tmp_path, mem_mb=768, timeout=60)
    line = assert_one_line(r, needle, before=before, folder=tmp_path)
    assert "over the limit" in line or "at most" in line, line
    assert "MOATLAB_MAX_" in line, line  # says how to raise it
    assert not (tmp_path / "moatlab-out").exists()


def test_the_real_entry_point_refuses_a_hang_that_it_used_to_run(tmp_path):
    """``python -m moatlab market sweep --values 0:1:100000000`` (it used to hang), as a user runs it."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    cmd = [sys.executable, "-m", "moatlab", "market", "sweep", "--field", "appropriability",
           "--values", "0:1:100000000", "--out", str(tmp_path / "o")]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--values" in r.stderr, r.stderr
    assert list(tmp_path.iterdir()) == []


def test_budgets_can_be_raised_by_environment_and_option(monkeypatch):
    assert _limits.cap("sweep_points") == 100_000_000
    monkeypatch.setenv("MOATLAB_MAX_SWEEP_POINTS", "1e9")
    assert _limits.cap("sweep_points") == 1_000_000_000
    _limits.check("sweep_points", 500_000_000, "samples")  # now allowed
    with pytest.raises(LimitError, match=r"samples: 10 sweep points is over the limit of 5 .*--max-points N"):
        _limits.check("sweep_points", 10, "samples", option="--max-points", override=5)
    monkeypatch.setenv("MOATLAB_MAX_SWEEP_POINTS", "lots")
    with pytest.raises(LimitError, match="MOATLAB_MAX_SWEEP_POINTS = 'lots' is not allowed"):
        _limits.cap("sweep_points")
    with pytest.raises(ParameterError, match=r"^m = 200 is not allowed: must be at most 100 days"):
        monkeypatch.setenv("MOATLAB_MAX_RACE_DAYS", "100")
        _limits.check("race_days", 200, "m", param="m")


def test_max_points_option_lowers_and_raises_the_sweep_budget(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text((BAD / "_tiny_sweep.toml").read_text())  # 8 samples
    r = cli(["sweep", "run", "s.toml", "--out", "o", "--max-points", "4"], tmp_path)
    assert_one_line(r, ("--max-points N", "s.toml"))
    assert not (tmp_path / "o").exists()
    r = cli(["sweep", "run", "s.toml", "--out", "o", "--max-points", "8", "--json"], tmp_path)
    assert r.rc == 0, r.stderr
    assert json.loads(r.stdout)["points"] == 8


def _grid_spec(chunk_size: int):
    from moatlab.sweep import ParameterSpace, SweepSpec
    from moatlab.sweep.space import Grid

    space = ParameterSpace(
        (Grid("alpha0", tuple(np.linspace(0.05, 0.5, 3))), Grid("theta", tuple(np.linspace(0, 1, 4))),
         Grid("penalty", tuple(np.linspace(0, 0.3, 5)))),
        ("action", "openness"),
    )
    return SweepSpec("game", space, design="grid", chunk_size=chunk_size)


@pytest.mark.parametrize("chunk_size", [3, 10, 20])
def test_chunk_size_bounds_every_chunk_and_the_result_does_not_depend_on_it(tmp_path, chunk_size):
    """Slabs of a 3 × 4 × 5 grid hold 20 points; a smaller chunk_size cuts blocks (never more points)."""
    from moatlab.sweep import open_sweep, run_sweep
    from moatlab.sweep.spec import chunk_values

    spec, whole = _grid_spec(chunk_size), _grid_spec(10_000)
    chunks = spec.chunks()
    sizes = [spec.chunk_points(c) for c in chunks]
    assert max(sizes) <= chunk_size and sum(sizes) == spec.size == 60
    rows = np.concatenate([chunk_values(spec, *c)[1] for c in chunks])
    assert np.array_equal(np.sort(rows), np.arange(spec.size))  # every point exactly once
    ref = run_sweep(whole)
    xr.testing.assert_identical(run_sweep(spec), ref)  # in memory
    on_disk = open_sweep_after_run(spec, tmp_path / "o", run_sweep, open_sweep)
    xr.testing.assert_identical(on_disk, ref)


def open_sweep_after_run(spec, out, run_sweep, open_sweep):
    run_sweep(spec, out)
    meta = json.loads((out / "sweep.json").read_text())
    assert meta["chunks"] == len(spec.chunks())
    assert ("blocks" in meta) == (spec.layout()[0] > 0)
    return open_sweep(out).load()


def test_a_blocked_grid_resumes_after_losing_chunks(tmp_path):
    from moatlab.sweep import open_sweep, run_sweep

    spec, out = _grid_spec(3), tmp_path / "o"
    ref = run_sweep(spec, out).load()
    lost = sorted((out / "chunks").iterdir())[3::5]
    assert len(lost) >= 4
    for f in lost:
        f.unlink()
    done = []
    run_sweep(spec, out, resume=True, progress=done.append)
    assert sum(done) == spec.size
    xr.testing.assert_identical(open_sweep(out).load(), ref)


def test_chunk_size_itself_is_capped():
    with pytest.raises(LimitError, match=r"chunk_size: 1,000,000,000 points per chunk is over the limit"):
        _grid_spec(1_000_000_000)


def test_budget_table_in_the_docs_matches_the_code():
    """docs/cli.md lists every budget with its default (a doc that drifts from the code fails here)."""
    text = (SRC.parent / "docs" / "cli.md").read_text()
    for name, lim in _limits.LIMITS.items():
        assert f"`{_limits.env_name(name)}`" in text, name
        assert f"{lim.default:,}" in text, name
    assert math.isclose(_limits.product(2, 3.5), 7.0)
