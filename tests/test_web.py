"""The web explorer end to end: `moatlab serve` in a subprocess, driven by Playwright in headless Chromium.

Chromium is Debian's (``apt-get install chromium``, installed by .ci/run). Under CI a missing
browser fails the test; elsewhere it skips with the reason.
"""

import base64
import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import require_data
from moatlab.game.landscape import landscape

CHROMIUM = "/usr/bin/chromium"


def _need_browser():
    pytest.importorskip("dash")
    if shutil.which(CHROMIUM) is None or not Path(CHROMIUM).exists():
        msg = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return pytest.importorskip("playwright.sync_api")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    _need_browser()
    data = require_data()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moatlab", "serve", "--port", str(port), "--data", str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None:
            pytest.fail(f"moatlab serve exited: {proc.stderr.read()}")
        time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def browser():
    sync_api = _need_browser()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    ctx.close()


KEYS = ["action", "omega", "omega_free", "alpha1", "U_G", "U_D", "surplus", "penalty_paid",
        "dU_G_no_regulation", "dU_D_no_regulation", "dsurplus_no_regulation", "dU_G_no_exemption",
        "dU_D_no_exemption", "dsurplus_no_exemption"]  # fmt: skip


def readout(page) -> dict:
    return {k: page.text_content(f"#game-out-{k}") for k in KEYS}


def api_point(theta, penalty, **params) -> dict:
    ds = landscape([theta], [penalty], **params)
    from moatlab.game.solver import ACTIONS

    out = {}
    for k in KEYS:
        v = ds[k].values.ravel()[0]
        out[k] = ACTIONS[int(v)].replace("_", " ") if k == "action" else f"{float(v):.6f}"
    return out


def heatmap(page) -> np.ndarray:
    """The action grid the page's heatmap shows (Plotly ships numpy arrays as base64 typed arrays)."""
    z = page.evaluate("document.querySelector('#game-landscape .js-plotly-plot').data[0].z")
    if isinstance(z, dict):
        arr = np.frombuffer(base64.b64decode(z["bdata"]), dtype=np.dtype(z["dtype"]))
        return arr.reshape([int(n) for n in str(z["shape"]).split(",")])
    return np.array(z)


def same_grid(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool((a == b).all())


def set_value(page, sel: str, text: str) -> None:
    page.fill(sel, text)
    page.press(sel, "Enter")


def test_game_tab_follows_the_solver_downloads_and_shows_errors(page, tmp_path):
    page.goto(SERVER(page))
    page.wait_for_function("document.querySelector('#game-out-action')?.textContent.length > 0")
    defaults = dict(alpha0=0.05, delta0=0.7, c_d=1.0, lam=0.6, epsilon=0.0, kappa0=0.0, c_g=0.0, f_d=0.0)
    assert readout(page) == api_point(0.6, 0.1, **defaults)
    assert same_grid(
        heatmap(page),
        landscape(np.linspace(0, 1, 201), np.linspace(0, 0.5, 201), **defaults)["action"].values.T,
    )

    # change a parameter: time until the page shows the new landscape and readout
    before = page.text_content("#game-out-omega_free")
    t0 = time.perf_counter()
    set_value(page, "#game-alpha0", "0.3")
    page.wait_for_function(
        "(b) => document.querySelector('#game-out-omega_free').textContent !== b && "
        "document.querySelector('#game-landscape .gtitle')?.textContent.includes('α0 = 0.3')",
        arg=before,
    )
    latency = time.perf_counter() - t0
    new = {**defaults, "alpha0": 0.3}
    assert readout(page) == api_point(0.6, 0.1, **new)
    assert same_grid(
        heatmap(page), landscape(np.linspace(0, 1, 201), np.linspace(0, 0.5, 201), **new)["action"].values.T
    )
    # a second change, now that everything is warm
    t1 = time.perf_counter()
    set_value(page, "#game-lam", "0.3")
    page.wait_for_function(
        "(b) => document.querySelector('#game-out-U_D').textContent !== b",
        arg=api_point(0.6, 0.1, **new)["U_D"],
    )
    warm = time.perf_counter() - t1
    new["lam"] = 0.3
    assert readout(page) == api_point(0.6, 0.1, **new)
    (tmp_path / "latency.json").write_text(json.dumps({"first_change_s": latency, "warm_change_s": warm}))
    print(
        f"\nparameter change -> 201x201 landscape and readout on the page: first {latency:.3f} s, "
        f"warm {warm:.3f} s"
    )

    # click the map: θ and p follow the click, the readout follows the solver there
    box = page.locator("#game-landscape .nsewdrag").first.bounding_box()
    page.mouse.click(box["x"] + 0.8 * box["width"], box["y"] + 0.75 * box["height"])
    page.wait_for_function("document.querySelector('#game-theta').value !== '0.6'")
    page.wait_for_timeout(300)
    th, pe = float(page.input_value("#game-theta")), float(page.input_value("#game-penalty"))
    assert 0.7 < th < 0.9 and 0.05 < pe < 0.2
    page.wait_for_function(
        "(v) => document.querySelector('#game-out-U_G').textContent === v",
        arg=api_point(th, pe, **new)["U_G"],
    )
    assert readout(page) == api_point(th, pe, **new)

    # downloads: CSV equals the API's landscape; PNG and SVG are real images; TOML holds the settings
    with page.expect_download() as d:
        page.click("#game-dl-csv")
    rows = list(csv.DictReader(io.StringIO(Path(d.value.path()).read_text())))
    api = landscape(np.linspace(0, 1, 201), np.linspace(0, 0.5, 201), **new)
    assert len(rows) == 201 * 201
    r = rows[12345]
    assert int(r["action"]) == int(api["action"].sel(theta=float(r["theta"]), penalty=float(r["penalty"])))
    for kind, magic in (("png", b"\x89PNG"), ("svg", b"<?xml")):
        with page.expect_download() as d:
            page.click(f"#game-dl-{kind}")
        assert Path(d.value.path()).read_bytes().startswith(magic)
        assert d.value.suggested_filename == f"landscape.{kind}"
    with page.expect_download() as d:
        page.click("#game-dl-toml")
    import tomllib

    doc = tomllib.loads(Path(d.value.path()).read_text())
    assert doc["game"]["alpha0"] == 0.3 and doc["game"]["lam"] == 0.3 and doc["policy"]["theta"] == th

    # the share link restores the settings in a fresh page
    href = page.evaluate("document.querySelector('#game-share').href")
    other = page.context.new_page()
    other.goto(href)
    other.wait_for_function(
        "(v) => document.querySelector('#game-out-U_G')?.textContent === v",
        arg=api_point(th, pe, **new)["U_G"],
    )
    assert other.input_value("#game-alpha0") == "0.3" and readout(other) == readout(page)
    other.close()

    # an invalid value: a visible one-line error, the figures stay as they were
    set_value(page, "#game-alpha0", "-1")
    err = page.locator("#game-error")
    err.wait_for(state="visible")
    assert err.text_content() == "alpha0 = -1 is not allowed: must be a number in (0, ∞)"
    set_value(page, "#game-delta0", "abc")
    page.wait_for_function("document.querySelector('#game-error').textContent.startsWith('alpha0')")
    assert readout(page) == api_point(th, pe, **new)
    page.screenshot(path=str(tmp_path / "explorer-game.png"), full_page=True)
    assert (tmp_path / "explorer-game.png").stat().st_size > 50_000


def test_race_market_and_measures_tabs(page, tmp_path):
    from moatlab import measures
    from moatlab.race import RaceModel
    from moatlab.race.analysis import sweep

    page.goto(SERVER(page) + "/?tab=race")
    page.wait_for_function("document.querySelector('#race-out-value')?.textContent.length > 0")
    api = sweep(RaceModel(f="log", n=100, m=365, open=1.0, closed=4.0), open_compute=[1.0], upgrade_to=[20.0])
    assert page.text_content("#race-out-value") == f"{float(api.value.values.ravel()[0]):,.4f}"
    set_value(page, "#race-open", "3")
    api = sweep(RaceModel(f="log", n=100, m=365, open=3.0, closed=4.0), open_compute=[3.0], upgrade_to=[20.0])
    page.wait_for_function(
        "(v) => document.querySelector('#race-out-revenue').textContent === v",
        arg=f"{float(api.revenue.values.ravel()[0]):,.4f}",
    )
    set_value(page, "#race-m", "2.5")
    page.locator("#race-error").wait_for(state="visible")
    assert "m = 2.5 is not allowed: must be an integer" in page.text_content("#race-error")
    with page.expect_download() as d:
        page.click("#race-dl-csv")
    assert "revenue" in Path(d.value.path()).read_text().splitlines()[0]

    page.click("#tab-market")
    set_value(page, "#market-seeds", "2")
    set_value(page, "#market-periods", "24")
    page.click("#market-run")
    page.wait_for_selector("#market-datatable", timeout=120_000)
    assert "baseline" in page.text_content("#market-datatable")
    with page.expect_download() as d:
        page.click("#market-dl-png")
    assert Path(d.value.path()).read_bytes().startswith(b"\x89PNG")

    page.click("#tab-measures")
    page.wait_for_selector("#measures-datatable")
    table = measures.openness_table(
        *(lambda c: (c.profiles(),))(measures.load_catalogue(require_data())),
        lists=measures.load_catalogue(require_data()).lists,
    )
    bars = page.evaluate("document.querySelector('#measures-figure .js-plotly-plot').data.map(t => t.y)")
    defs = list(measures.DEFINITIONS)
    assert bars[0] == [int((table[d] == "qualifies").sum()) for d in defs]
    with page.expect_download() as d:
        page.click("#measures-dl-csv")
    assert len(Path(d.value.path()).read_text().splitlines()) == len(table) + 1
    set_value(page, "#measures-path", str(tmp_path / "nowhere"))
    page.locator("#measures-error").wait_for(state="visible")
    assert "nowhere" in page.text_content("#measures-error")
    page.screenshot(path=str(tmp_path / "explorer-measures.png"))


def SERVER(page) -> str:  # the module's server URL (set by the fixture through the page's context)
    return _URL[0]


_URL: list[str] = []


@pytest.fixture(autouse=True)
def _remember(server):
    _URL[:] = [server]
