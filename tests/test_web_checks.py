"""The explorer's server-side checks, the shared glossary and `moatlab serve --host` (no browser)."""

import math
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moatlab.errors import LimitError, ParameterError
from moatlab.glossary import TERMS, sig3

pytest.importorskip("dash")


def test_market_settings_are_checked_on_the_server():
    from moatlab.app.market_tab import read_market, scenario_names

    names = scenario_names()
    assert read_market(["baseline", "baseline"], "2", "12") == (["baseline"], 2, 12)
    with pytest.raises(ParameterError, match="seeds = 60 is not allowed"):
        read_market(["baseline"], 60, 24)
    with pytest.raises(ParameterError, match="months = 241 is not allowed"):
        read_market(["baseline"], 2, 241)
    with pytest.raises(ParameterError, match="scenarios = '../../etc/x.toml' is not allowed"):
        read_market(["../../etc/x.toml"], 2, 24)
    with pytest.raises(LimitError):
        read_market(names + names[:1] * 5, 2, 24)
    with pytest.raises(ParameterError):
        read_market("baseline", 2, 24)  # a string, not a list


def test_the_market_tab_states_the_simulators_known_limitation():
    from moatlab.app.market_tab import market_layout

    text = str(market_layout({}))
    assert "start-ups train only with the money raised to train" in text and "Limitations" in text


def test_game_and_measures_settings_are_checked_on_the_server(tmp_path):
    from moatlab.app.game_tab import DEFAULTS, read_params
    from moatlab.app.measures_tab import sources

    v = {k: str(x) for k, x in DEFAULTS.items()}
    with pytest.raises(ParameterError, match="penalty_form"):
        read_params({**v, "penalty_form": ["lump_sum"]})
    with pytest.raises(ParameterError, match="alpha0"):
        read_params({**v, "alpha0": "9" * 5000})  # an overlong value is refused before parsing
    with pytest.raises(ParameterError, match="penalty = 0.6 is not allowed"):
        read_params({**v, "penalty": "0.6"})  # above p_max
    assert set(sources(str(tmp_path))) == {"configured", "packaged"}


def test_every_control_has_a_glossary_entry():
    from moatlab.app import game_tab, race_tab, safety_tab

    safety = ["safety_top" if k == "top" else k for k in safety_tab.KEYS]
    for k in [*game_tab.KEYS, *race_tab.KEYS, *safety, "scenarios", "seeds", "periods", "data"]:
        t = TERMS[k]
        assert t.meaning and t.tip.endswith(".")


@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: v == 0 or 1e-4 <= abs(v) < 1e15))
def test_sig3_keeps_three_significant_figures(v):
    text = sig3(v)
    back = float(text.replace(",", ""))
    if v == 0:
        assert back == 0
        return
    assert back == pytest.approx(v, rel=5e-3 + 1e-12)  # rounded to 3 significant figures
    digits = text.replace(",", "").replace("-", "").replace(".", "").lstrip("0")
    assert len(digits) >= 3 if abs(back) < 1000 else True
    assert math.copysign(1, back) == math.copysign(1, v)


def test_sig3_examples():
    assert [sig3(x) for x in (0.0123456, 1.23456, 123.456, 12345.6, 999.6, 0.09996, -0.5, float("nan"))] == [
        "0.0123", "1.23", "123", "12,300", "1,000", "0.100", "-0.500", "–"
    ]  # fmt: skip


def test_serve_warns_when_bound_beyond_loopback():
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        port = s.getsockname()[1]
    src = str(Path(__file__).parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "moatlab", "serve", "--host", "0.0.0.0", "--port", str(port)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        deadline, lines = time.time() + 60, []
        while time.time() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            if "moatlab explorer on" in line:
                break
        warn = [x for x in lines if x.startswith("warning: --host 0.0.0.0")]
        assert warn and "no authentication" in warn[0], lines
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_explorer_words_every_error_in_one_place():
    """One function turns an error into the line the explorer shows: the first line, collapsed,
    at most 300 characters; every tab uses it."""
    from pathlib import Path

    from moatlab.app.common import error_message
    from moatlab.errors import ParameterError

    assert error_message(ParameterError("alpha0", -1.0, "a number in (0, ∞)")).startswith("alpha0")
    long = error_message(ValueError("x" * 1000 + "\nsecond line"))
    assert len(long) == 300 and long.endswith("…") and "second" not in long
    assert error_message(ValueError("a\n b")) == "a"
    tabs = Path(__file__).resolve().parents[1] / "src" / "moatlab" / "app"
    for tab in tabs.glob("*_tab.py"):
        text = tab.read_text()
        assert "str(e)" not in text and ("except" not in text or "error_message(e)" in text), tab.name
