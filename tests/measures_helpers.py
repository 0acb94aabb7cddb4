"""Shared helpers of the measures tests."""

import os
import subprocess
import sys
from functools import cache
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
MOF_FIX = FIXTURES / "mof"


def measures_cli(*args, cwd=None):
    """``python -m moatlab measures ARGS`` with this interpreter's path, without ``$MOATLAB_DATA``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("MOATLAB_DATA", None)
    argv = [sys.executable, "-m", "moatlab", "measures", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=cwd, env=env)


@cache
def _profiles():
    from moatlab import measures

    cat = measures.load_catalogue(measures.PACKAGED_DATA)
    return tuple(cat.profiles(("eosai", "eosai-archive", "mof", "fmti"), fmti_version=None))


def packaged_profiles() -> list:
    """Every profile of the packaged snapshot, all FMTI releases (read once; a fresh list each call)."""
    return list(_profiles())


def fmti_share(version: str, developer: str) -> float:
    """A developer's FMTI score in one release: indicators satisfied over indicators scored."""
    from moatlab import measures

    rel = [r for r in measures.load_fmti(measures.PACKAGED_DATA).items if r.version == version][0]
    s = measures.fmti_scores(rel).set_index("developer")
    return s.at[developer, "satisfied"] / s.at[developer, "scored"]

