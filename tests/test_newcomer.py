"""A newcomer's first hour: --version, one-line errors for missing extras, a light start-up."""

import os
import subprocess
import sys

import pytest

from moatlab.errors import MissingExtraError, require_extra


def _main_without(module: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``moatlab ARGS`` in a fresh interpreter in which ``module`` cannot be imported."""
    code = (f"import sys; sys.modules[{module!r}] = None; "
            f"from moatlab.cli.main import main; main({list(args)!r})")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_require_extra_names_the_extra():
    with pytest.raises(MissingExtraError) as e:
        require_extra("moatlab_no_such_module_xyz", "web", "the explorer")
    msg = str(e.value)
    assert "\n" not in msg
    assert "pip install 'moatlab[web]'" in msg and "the explorer" in msg
    assert isinstance(e.value, ImportError) and e.value.exit_code == 2


def test_require_extra_when_blocked(monkeypatch):
    monkeypatch.setitem(sys.modules, "moatlab_blocked_xyz", None)  # find_spec raises ValueError
    with pytest.raises(MissingExtraError):
        require_extra("moatlab_blocked_xyz", "sweep", "sensitivity")
    require_extra("json", "none", "stdlib")  # present: no error


@pytest.mark.parametrize(("module", "args", "extra"), [
    ("dash", ["serve"], "web"),
    ("SALib", ["sweep", "sensitivity", "nonexistent.toml", "--outcome", "openness", "--out", "x"],
     "sweep"),
    ("ema_workbench", ["sweep", "discover", "nonexistent", "--outcome", "defies", "--out", "x"],
     "sweep"),
])
def test_missing_extra_is_one_line_exit_2(module, args, extra, tmp_path):
    r = _main_without(module, *args)
    assert r.returncode == 2, r.stderr
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert f"pip install 'moatlab[{extra}]'" in lines[0]


def test_version():
    r = subprocess.run([sys.executable, "-m", "moatlab", "--version"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0
    assert r.stdout.strip() == "moatlab 0.1.0"


def test_help_loads_no_heavy_library():
    code = ("import sys; from moatlab.cli.main import app; "
            "heavy = [m for m in ('scipy.stats', 'xarray', 'numba', 'matplotlib', 'dask', 'dash', "
            "'mesa', 'pandas') if m in sys.modules]; print(','.join(heavy))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""


def test_compile_notice_only_without_cache(monkeypatch, capsys, tmp_path):
    from types import SimpleNamespace

    from moatlab.game import _fast

    if not _fast._HAVE:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("numba must be installed in CI (it is in the [test] extra)")
        pytest.skip("numba is not installed (outside CI)")
    index = tmp_path / "f.nbi"
    cache = SimpleNamespace(_cache_file=SimpleNamespace(_index_path=str(index)))
    fake = SimpleNamespace(signatures=[], _cache=cache)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    _fast.compile_notice(fake, "the kernel")
    assert "compiling the kernel with numba" in capsys.readouterr().err
    index.write_text("")
    _fast.compile_notice(fake, "the kernel")
    assert capsys.readouterr().err == ""


def test_user_forms_compile_notice_once_on_a_terminal(monkeypatch, capsys):
    from moatlab.forms import GameForms
    from moatlab.game import _fast, _jit_forms

    if not _fast._HAVE:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("numba must be installed in CI (it is in the [test] extra)")
        pytest.skip("numba is not installed (outside CI)")
    monkeypatch.delenv("MOATLAB_NO_NUMBA", raising=False)
    monkeypatch.setattr(_jit_forms, "_NOTICED", False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    forms = GameForms(benefit=lambda w: 0.1 * w * w)
    assert _jit_forms.compile_forms(forms) is not None
    assert "compiling your functional forms with numba" in capsys.readouterr().err
    _jit_forms.compile_forms(forms)
    assert capsys.readouterr().err == ""  # once per process
    monkeypatch.setattr(_jit_forms, "_NOTICED", False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    _jit_forms.compile_forms(forms)
    assert capsys.readouterr().err == ""  # never into a pipe or a log file
