"""The web explorer end to end: `moatlab serve` in a subprocess, driven by Playwright in headless Chromium.

Chromium is Debian's (``apt-get install chromium``) and axe-core comes from npm into tests/.node
(both installed by .ci/run). Under CI a missing browser or axe-core fails the test; elsewhere it
skips with the reason.
"""

import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest

from conftest import require_data
from moatlab.game.landscape import landscape
from moatlab.game.solver import ACTIONS
from moatlab.glossary import sig3

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).parent / ".node" / "node_modules" / "axe-core" / "axe.min.js"
CI = os.environ.get("CI", "").lower() == "true"
DEFAULTS = dict(alpha0=0.05, delta0=0.7, c_d=1.0, lam=0.6, epsilon=0.0, kappa0=0.0, c_g=0.0, f_d=0.0)
KEYS = ["action", "omega", "omega_free", "alpha1", "U_G", "U_D", "surplus", "penalty_paid",
        "dU_G_no_regulation", "dU_D_no_regulation", "dsurplus_no_regulation", "dU_G_no_exemption",
        "dU_D_no_exemption", "dsurplus_no_exemption"]  # fmt: skip
READY = {  # what each tab shows once it has computed
    "game": "document.querySelector('#game-out-action')?.textContent.length > 0 && "
    "document.querySelector('#game-landscape .js-plotly-plot')?.data?.length > 0",
    "race": "document.querySelector('#race-out-value')?.textContent.length > 0",
    "market": "document.querySelector('#market-run') !== null",
    "safety": "document.querySelector('#safety-out-beta1')?.textContent.length > 0 && "
    "document.querySelector('#safety-figure .js-plotly-plot')?.data?.length > 0",
    "measures": "document.querySelector('#measures-datatable') !== null",
}


def _missing(msg: str):
    if CI:
        pytest.fail(msg)
    pytest.skip(msg)


def _need_browser():
    pytest.importorskip("dash")
    if shutil.which(CHROMIUM) is None or not Path(CHROMIUM).exists():
        _missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
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
    # the server's log goes to a file, not a pipe: nobody reads a pipe while the tests run, and a full
    # pipe (every request is logged; the market job polls) would block the server mid-test
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moatlab", "serve", "--port", str(port), "--data", str(data)],
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )
    deadline = time.time() + 90
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"moatlab serve exited: {log.read()}")
        time.sleep(0.2)
    yield f"http://127.0.0.1:{port}", proc
    proc.terminate()
    proc.wait(10)
    log.close()


@pytest.fixture(scope="module")
def browser():
    sync_api = _need_browser()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def url(server):
    return server[0]


def new_page(browser, width=1400, height=1000):
    ctx = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    return pg


@pytest.fixture
def page(browser, server):
    pg = new_page(browser)
    yield pg
    pg.context.close()


def callbacks(page) -> list[str]:
    """The outputs of every callback request the page sends (filled as it runs)."""
    seen: list[str] = []

    def on(req):
        if "_dash-update-component" in req.url and req.post_data:
            seen.append(json.loads(req.post_data)["output"])

    page.on("request", on)
    return seen


def readout(page) -> dict:
    return {k: page.text_content(f"#game-out-{k}") for k in KEYS}


def api_point(theta, penalty, **params) -> dict:
    ds = landscape([theta], [penalty], **params)
    out = {}
    for k in KEYS:
        v = ds[k].values.ravel()[0]
        out[k] = ACTIONS[int(v)].replace("_", " ") if k == "action" else sig3(float(v))
    return out


def heatmap(page) -> np.ndarray:
    """The action grid the page's heatmap shows (Plotly ships numpy arrays as base64 typed arrays)."""
    import base64

    z = page.evaluate("document.querySelector('#game-landscape .js-plotly-plot').data[0].z")
    if isinstance(z, dict):
        arr = np.frombuffer(base64.b64decode(z["bdata"]), dtype=np.dtype(z["dtype"]))
        return arr.reshape([int(n) for n in str(z["shape"]).split(",")])
    return np.array(z)


def grid(pmax=0.5, **params):
    return landscape(np.linspace(0, 1, 201), np.linspace(0, pmax, 201), **params)


def set_value(page, sel: str, text: str) -> None:
    page.fill(sel, text)
    page.press(sel, "Enter")


def download(page, sel: str) -> Path:
    with page.expect_download() as d:
        page.click(sel)
    return Path(d.value.path())


def test_game_tab_follows_the_solver_in_words_and_numbers(page, url):
    sent = callbacks(page)
    page.goto(url + "/")
    page.wait_for_function(READY["game"])
    assert readout(page) == api_point(0.6, 0.1, **DEFAULTS)
    eq = landscape([0.6], [0.1], **DEFAULTS)
    sentence = page.text_content("#game-sentence")
    assert (
        sentence.startswith("The developer complies")
        and sig3(float(eq["omega_free"].values.ravel()[0])) in sentence
    )
    assert np.array_equal(heatmap(page), grid(**DEFAULTS)["action"].values.T)
    # only the opened tab computed: no other tab's callback ran, no other panel was built
    page.wait_for_timeout(500)
    assert not [o for o in sent if any(t in o for t in ("race-", "market-", "measures-"))], sent
    assert page.evaluate("document.getElementById('panel-measures').children.length") == 0
    # Plotly's cloud/Chart Studio links are gone: nothing on the page links off this machine
    assert page.evaluate("document.querySelectorAll('.modebar a, a[href^=\"http\"]').length") == 0
    titles = page.evaluate("Array.from(document.querySelectorAll('.modebar-btn')).map(b => b.dataset.title)")
    assert titles and not [t for t in titles if "cloud" in t.lower() or "chart studio" in t.lower()]
    # the map names its regions and marks the Pareto region (a second cue beside colour)
    names = page.evaluate(
        "Array.from(document.querySelectorAll('#game-landscape .annotation-text')).map(a => a.textContent)"
    )
    assert {"comply", "not binding"} <= set(names)
    legend = page.text_content("#game-landscape .legend")
    assert "Pareto-improving" in legend and "exit (" not in legend  # no exit region on this map

    # change a parameter: the readout, the map and the address bar follow
    set_value(page, "#game-alpha0", "0.3")
    page.wait_for_function(
        "document.querySelector('#game-landscape .gtitle')?.textContent.includes('α0 = 0.3')"
    )
    new = {**DEFAULTS, "alpha0": 0.3}
    page.wait_for_function("(v) => document.querySelector('#game-out-U_G').textContent === v",
                           arg=api_point(0.6, 0.1, **new)["U_G"])  # fmt: skip
    assert readout(page) == api_point(0.6, 0.1, **new)
    assert np.array_equal(heatmap(page), grid(**new)["action"].values.T)
    page.wait_for_function("location.search.includes('alpha0=0.3') && location.search.includes('tab=game')")

    # click the map: θ and p follow the click, the readout follows the solver there
    box = page.locator("#game-landscape .nsewdrag").first.bounding_box()
    page.mouse.click(box["x"] + 0.8 * box["width"], box["y"] + 0.75 * box["height"])
    page.wait_for_function("document.querySelector('#game-theta').value !== '0.6'")
    th, pe = float(page.input_value("#game-theta")), float(page.input_value("#game-penalty"))
    assert 0.7 < th < 0.9 and 0.05 < pe < 0.2
    page.wait_for_function("(v) => document.querySelector('#game-out-U_G').textContent === v",
                           arg=api_point(th, pe, **new)["U_G"])  # fmt: skip
    assert readout(page) == api_point(th, pe, **new)

    # a turnover penalty with p_max above 0.5: the TOML holds every control and is a report scenario
    page.click("#game-penalty_form button:nth-child(2)")
    page.wait_for_selector("#game-penalty_form button:nth-child(2)[aria-pressed='true']")
    set_value(page, "#game-pmax", "0.8")
    set_value(page, "#game-penalty", "0.65")
    page.wait_for_function(
        "document.querySelector('#game-landscape .gtitle')?.textContent.includes('turnover')"
    )
    page.wait_for_function("(v) => document.querySelector('#game-out-U_G').textContent === v",
                           arg=api_point(th, 0.65, **new, penalty_form="turnover")["U_G"])  # fmt: skip
    doc = tomllib.loads(download(page, "#game-dl-toml").read_text())
    for k in [*DEFAULTS, "theta", "penalty", "pmax"]:
        sec = "policy" if k in ("theta", "penalty", "pmax") else "game"
        assert doc[sec][k] == float(page.input_value(f"#game-{k}")), k
    assert doc["game"]["penalty_form"] == "turnover"
    from moatlab.report import load_report_scenario

    sc = load_report_scenario(str(download(page, "#game-dl-toml")))
    assert (sc.theta, sc.penalty, sc.pmax) == (th, 0.65, 0.8) and sc.game["penalty_form"] == "turnover"

    # CSV: the API's grid, with the action's name beside its code
    rows = list(csv.DictReader(io.StringIO(download(page, "#game-dl-csv").read_text())))
    api = grid(pmax=0.8, **new, penalty_form="turnover")
    assert len(rows) == 201 * 201
    for r in rows[::4001]:
        code = int(api["action"].sel(theta=float(r["theta"]), penalty=float(r["penalty"])))
        assert int(r["action"]) == code and r["action_name"] == ACTIONS[code]
    for kind, magic in (("png", b"\x89PNG"), ("svg", b"<?xml")):
        assert download(page, f"#game-dl-{kind}").read_bytes().startswith(magic)

    # the brief from this view states this view's numbers
    from html.parser import HTMLParser

    class Keys(HTMLParser):
        numbers: dict = {}

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if "data-key" in a:
                self.numbers[a["data-key"]] = a["data-value"]

    text = download(page, "#game-dl-brief").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Bottom line" in text
    p = Keys()
    p.feed(text)
    at = landscape([th], [0.65], **new, penalty_form="turnover")
    assert float(p.numbers["omega"]) == pytest.approx(float(at["omega"].values.ravel()[0]), rel=1e-12)

    # the address bar restores the view in a fresh page and computes the map once
    link = page.url
    other = new_page(page.context.browser)
    sent2 = callbacks(other)
    other.goto(link)
    other.wait_for_function("(v) => document.querySelector('#game-out-U_G')?.textContent === v",
                            arg=readout(page)["U_G"])  # fmt: skip
    other.wait_for_timeout(800)
    assert readout(other) == readout(page) and other.input_value("#game-pmax") == "0.8"
    assert sum("game-landscape.figure" in o for o in sent2) == 1, sent2
    other.context.close()

    # an invalid value: a one-line error, the stale map and readout cleared, downloads disabled
    set_value(page, "#game-alpha0", "-1")
    err = page.locator("#game-error")
    err.wait_for(state="visible")
    assert err.text_content() == "alpha0 = -1 is not allowed: must be a number in (0, ∞)"
    page.wait_for_function("document.querySelector('#game-out-omega').textContent === ''")
    page.wait_for_function("document.querySelector('#game-landscape .js-plotly-plot').data.length === 0")
    assert page.is_disabled("#game-dl-csv") and page.is_disabled("#game-dl-brief")
    assert page.text_content("#game-sentence") == ""


def test_keyboard_reaches_tabs_and_controls(page, url):
    page.goto(url + "/")
    page.wait_for_function(READY["game"])
    page.focus("body")
    for _ in range(12):  # Tab from the top of the page reaches the tab buttons
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "tab-race":
            break
    assert page.evaluate("document.activeElement.id") == "tab-race"
    page.keyboard.press("Enter")
    page.wait_for_function(READY["race"])
    assert page.get_attribute("#tab-race", "aria-selected") == "true"
    assert page.evaluate(
        "[document.getElementById('panel-race').hidden, document.getElementById('panel-game').hidden]"
    ) == [False, True]
    page.wait_for_function("location.search.includes('tab=race')")
    # a choice is a set of toggle buttons: Space presses one
    before = page.text_content("#race-out-value")
    page.focus("#race-family button:nth-child(2)")
    page.keyboard.press("Space")
    page.wait_for_function("(b) => document.querySelector('#race-out-value').textContent !== b", arg=before)
    assert page.get_attribute("#race-family button:nth-child(2)", "aria-pressed") == "true"
    page.wait_for_function("location.search.includes('family=power')")
    # the copy button copies the address, which holds the view's settings
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    page.click("#copy-link")
    page.wait_for_function("document.querySelector('#copy-status').textContent.startsWith('Link copied')")
    assert page.evaluate("navigator.clipboard.readText()") == page.url
    # every input has a label and a tooltip
    unlabeled = page.evaluate(
        "Array.from(document.querySelectorAll('input'))"
        ".filter(i => !(i.id && document.querySelector(`label[for='${i.id}']`)) && !i.closest('label')"
        " || !i.closest('[title]')).map(i => i.id)"
    )
    assert unlabeled == []


def _axe(page) -> list:
    if not AXE.exists():
        _missing(f"axe-core not found at {AXE} (npm install --prefix tests/.node axe-core)")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document)).violations.map(v => ({id: v.id, impact: v.impact, "
        "nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("size", [(1400, 900), (390, 844)], ids=["desktop", "phone"])
def test_every_tab_passes_axe_and_fits_the_screen(browser, url, size):
    page = new_page(browser, *size)
    try:
        for tab in READY:
            page.goto(f"{url}/?tab={tab}")
            page.wait_for_function(READY[tab])
            page.wait_for_timeout(300)
            assert page.evaluate("document.documentElement.lang") == "en"
            assert _axe(page) == [], tab
            over = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert over <= 0, f"{tab}: {over} px of horizontal overflow at {size}"
    finally:
        page.context.close()


def test_race_and_measures_tabs(page, url):
    from moatlab import measures
    from moatlab.measures._io import PACKAGED_DATA
    from moatlab.race import RaceModel
    from moatlab.race.analysis import sweep

    page.goto(url + "/?tab=race&open=3")
    page.wait_for_function(READY["race"])
    api = sweep(RaceModel(f="log", n=100, m=365, open=3.0, closed=4.0), open_compute=[3.0], upgrade_to=[20.0])
    assert page.text_content("#race-out-value") == sig3(float(api.value.values.ravel()[0]))
    assert "net of its cost" in page.text_content("#race-sentence")
    assert "revenue" in download(page, "#race-dl-csv").read_text().splitlines()[0]
    set_value(page, "#race-m", "2.5")
    page.locator("#race-error").wait_for(state="visible")
    assert "m = 2.5 is not allowed: must be an integer" in page.text_content("#race-error")
    page.wait_for_function("document.querySelector('#race-out-value').textContent === ''")
    assert page.is_disabled("#race-dl-csv")

    page.click("#tab-measures")
    page.wait_for_function(READY["measures"])

    def counts(path):
        cat = measures.load_catalogue(path)
        table = measures.openness_table(cat.profiles(), lists=cat.lists)
        return table, [int((table[d] == "qualifies").sum()) for d in measures.DEFINITIONS]

    table, qualifies = counts(require_data())
    bars = page.evaluate("document.querySelector('#measures-figure .js-plotly-plot').data.map(t => t.y)")
    assert bars[0] == qualifies
    patterns = page.evaluate(
        "document.querySelector('#measures-figure .js-plotly-plot').data.map(t => t.marker.pattern.shape)"
    )
    assert len(set(patterns)) == 3  # each answer has its own pattern, not only its colour
    assert len(download(page, "#measures-dl-csv").read_text().splitlines()) == len(table) + 1
    page.click("#measures-source button:nth-child(2)")  # the packaged snapshot
    _, packaged = counts(PACKAGED_DATA)
    page.wait_for_function("(q) => JSON.stringify(document.querySelector('#measures-figure .js-plotly-plot')"
                           ".data[0].y) === JSON.stringify(q)", arg=packaged)  # fmt: skip
    page.wait_for_function("location.search.includes('data=packaged')")


def test_the_server_trusts_no_client_value(page, url):
    """Forged callback requests: an unknown data folder, scenario or choice is refused on the server."""
    posts = []
    page.on("request", lambda r: posts.append(r) if "_dash-update-component" in r.url else None)
    page.goto(url + "/?tab=measures&data=/etc")
    page.wait_for_function(READY["measures"])
    assert "/etc" not in page.text_content("#measures-source")  # only known sources are offered
    req = next(r for r in posts if "measures-figure.figure" in json.loads(r.post_data)["output"])
    body = json.loads(req.post_data)
    body["inputs"][0]["value"] = "/etc"
    r = page.request.post(req.url, data=json.dumps(body), headers={"Content-Type": "application/json"})
    out = r.json()["response"]
    assert "data = '/etc' is not allowed" in out["measures-error"]["children"]
    assert out["measures-table"]["children"] is None  # the stale table is cleared, no data sent
    assert out["measures-dl-csv"]["disabled"] is True

    page.goto(url + "/")
    page.wait_for_function(READY["game"])
    req = next(r for r in posts if "game-error.children" in json.loads(r.post_data).get("output", ""))
    body = json.loads(req.post_data)
    for inp in body["inputs"]:
        if inp["id"] == "game-penalty_form-value":  # the penalty form's value
            inp["value"] = "../../etc/passwd"
    out = page.request.post(
        req.url, data=json.dumps(body), headers={"Content-Type": "application/json"}
    ).json()
    assert "penalty_form = '../../etc/passwd' is not allowed" in out["response"]["game-error"]["children"]


def test_market_runs_in_the_background_with_progress_and_cancel(browser, url, server):
    psutil = pytest.importorskip("psutil")
    pytest.importorskip("mesa")
    page = new_page(browser)
    proc = psutil.Process(server[1].pid)
    try:
        from moatlab.app.market_tab import scenario_names

        names = scenario_names()
        page.goto(f"{url}/?tab=market&scenarios={','.join(names)}&seeds=30&periods=240")
        page.wait_for_function(READY["market"])
        pressed = "#market-scenarios button[aria-pressed='true']"
        k = len(names)  # every packaged scenario (the largest run the tab allows)
        assert k >= 10 and len(page.query_selector_all(pressed)) == k
        page.click("#market-scenarios button:nth-child(1)")  # a toggle: press it again to leave it out
        page.wait_for_function(f'document.querySelectorAll("{pressed}").length === {k - 1}')
        page.click("#market-scenarios button:nth-child(1)")
        page.wait_for_function(f'document.querySelectorAll("{pressed}").length === {k}')
        page.click("#market-run")
        runs = f"'{k * 30}'"
        # the job starts in a process of its own (it imports the simulator): allow for a loaded machine
        page.wait_for_function(f"document.querySelector('#market-progress').getAttribute('max') === {runs}",
                               timeout=180_000)
        assert page.is_enabled("#market-cancel") and page.is_disabled("#market-run")
        assert proc.children(recursive=True)  # the job runs in its own process
        page.click("#market-cancel")
        page.wait_for_function("!document.querySelector('#market-run').disabled")
        deadline = time.time() + 10
        while proc.children(recursive=True) and time.time() < deadline:
            time.sleep(0.2)
        assert not [c for c in proc.children(recursive=True) if c.status() != psutil.STATUS_ZOMBIE]
        assert page.query_selector("#market-datatable") is None

        # a small run completes, with its summary, downloads and a link
        page.goto(url + "/?tab=market&scenarios=baseline,rogue_giant&seeds=2&periods=24")
        page.wait_for_function(READY["market"])
        page.click("#market-run")
        page.wait_for_selector("#market-datatable", timeout=120_000)
        assert page.get_attribute("#market-progress", "value") == "4"
        assert "rogue giant" in page.text_content("#market-datatable")
        assert "2 runs per scenario" in page.text_content("#market-sentence")
        rows = list(csv.DictReader(io.StringIO(download(page, "#market-dl-csv").read_text())))
        assert {"scenario", "measure", "mean", "ci95_low", "ci95_high"} <= set(rows[0])
        assert download(page, "#market-dl-png").read_bytes().startswith(b"\x89PNG")
        page.wait_for_function("location.search.includes('seeds=2')")
        assert _axe(page) == []
    finally:
        if page.query_selector("#market-cancel") and page.is_enabled("#market-cancel"):
            page.click("#market-cancel")  # never leave a long job running for the next test
        page.context.close()


def test_safety_tab_and_the_games_bargaining_stage(page, url):
    from moatlab.safety import solve_arrays

    page.goto(url + "/?tab=safety")
    page.wait_for_function(READY["safety"])
    r = solve_arrays(theta_g=0.0, theta_d=0.45)  # the tab's default floors
    for k in ("beta1", "beta1_free", "U_G", "U_D"):
        assert page.text_content(f"#safety-out-{k}") == sig3(float(r[k].ravel()[0])), k
    assert bool(r["backfiring"].ravel()[0]) and "backfire" in page.text_content("#safety-sentence")
    assert "backfiring (" in page.text_content("#safety-figure .legend")  # the region, with its share

    # the game with a bargaining stage: the readout follows landscape(..., bargaining="nash")
    page.click("#tab-game")
    page.wait_for_function(READY["game"])
    page.click("#game-bargaining button:nth-child(4)")  # nash
    page.wait_for_function("document.querySelector('#game-landscape .gtitle')?.textContent.includes('nash')")
    want = api_point(0.6, 0.1, **DEFAULTS, bargaining="nash")
    page.wait_for_function(
        "(v) => document.querySelector('#game-out-U_G').textContent === v", arg=want["U_G"]
    )
    assert readout(page) == want
    page.wait_for_function("location.search.includes('bargaining=nash')")
