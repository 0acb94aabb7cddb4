"""`moatlab report`: a self-contained HTML brief whose numbers are the API's."""

import dataclasses
import html
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from moatlab.game.landscape import landscape
from moatlab.game.solver import ACTIONS
from moatlab.report import load_report_scenario

CLI = [sys.executable, "-m", "moatlab", "report"]


class Brief(HTMLParser):
    def __init__(self):
        super().__init__()
        self.numbers, self.images, self.figures, self.links, self.scripts = {}, [], [], [], []
        self._key = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-key" in a:
            self.numbers[a["data-key"]] = a["data-value"]
        if tag == "img":
            self.images.append(a["src"])
        if "data-figure" in a:
            self.figures.append(a["data-figure"])
        if tag in ("link", "script", "iframe") or (tag == "a" and a.get("href", "").startswith("http")):
            self.links.append((tag, a))


SEEDS = 4  # the packaged scenario runs 30 per scenario; the tests run the same brief with 4 to stay fast


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The packaged brief, with a small market ensemble, built in-process (the CLI is tested below)."""
    from dataclasses import replace

    from moatlab.report import build_brief, render_html

    sc = load_report_scenario("eu_threshold")
    sc = replace(sc, market={**sc.market, "seeds": SEEDS})
    b = build_brief(sc)
    out = tmp_path_factory.mktemp("brief") / "brief.html"
    out.write_text(render_html(b), encoding="utf-8")
    return out, b


@pytest.fixture(scope="module")
def brief(built):
    out, _ = built
    p = Brief()
    p.feed(out.read_text(encoding="utf-8"))
    return out, p


def test_the_brief_holds_every_figure_embedded_and_nothing_external(brief):
    out, p = brief
    assert p.figures == ["landscape", "omega_free", "market"]
    assert len(p.images) == 3 and all(src.startswith("data:image/png;base64,") for src in p.images)
    assert all(len(src) > 20_000 for src in p.images)
    assert p.links == []  # no stylesheet, script or remote link: it opens anywhere
    text = out.read_text(encoding="utf-8")
    assert "Limitations" in text and "http://" not in text and "https://" not in text
    assert "start-ups train only with the money raised to train" in text  # the known defect travels


def test_the_brief_states_the_api_numbers(brief):
    _, p = brief
    sc = load_report_scenario("eu_threshold")
    at = landscape([sc.theta], [sc.penalty], **sc.game)
    assert p.numbers["action"] == ACTIONS[int(at["action"].values.ravel()[0])]
    for k in (
        "omega",
        "omega_free",
        "dU_G_no_regulation",
        "dU_D_no_regulation",
        "dsurplus_no_regulation",
        "dU_G_no_exemption",
        "dU_D_no_exemption",
        "dsurplus_no_exemption",
        "p_star",
    ):
        assert float(p.numbers[k]) == pytest.approx(float(at[k].values.ravel()[0]), rel=1e-12, abs=1e-15), k
    grid = landscape(np.linspace(0, 1, 201), np.linspace(0, sc.pmax, 201), **sc.game)
    assert float(p.numbers["share_comply"]) == pytest.approx(float((grid["action"] == 2).mean()))
    from moatlab.market.ensemble import run_ensemble, summary
    from moatlab.market.params import make_params
    from moatlab.market.scenario import MarketScenario, load_scenario

    base = load_scenario("rogue_giant")
    ds = run_ensemble(
        [MarketScenario("rogue_giant", make_params({"periods": 72}, base=base.params))], seeds=SEEDS, seed=0
    )
    s = summary(ds).set_index("metric")
    assert float(p.numbers["market_rogue_giant_hhi"]) == pytest.approx(float(s.loc["hhi", "mean"]))


def test_the_brief_opens_without_network_in_a_browser(brief, tmp_path):
    if not Path("/usr/bin/chromium").exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium missing at /usr/bin/chromium (apt-get install chromium)")
        pytest.skip("Chromium missing")
    sync_api = pytest.importorskip("playwright.sync_api")
    out, _ = brief
    requested = []
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        ctx = b.new_context(offline=True)
        page = ctx.new_page()
        page.on("request", lambda r: requested.append(r.url))
        page.goto(out.as_uri())
        widths = page.evaluate("Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)")
        page.screenshot(path=str(tmp_path / "brief.png"), full_page=True)
        phone = b.new_context(offline=True, viewport={"width": 390, "height": 844}).new_page()
        phone.goto(out.as_uri())
        over = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        b.close()
    assert over <= 0, f"{over} px of horizontal overflow on a phone"
    assert len(widths) == 3 and min(widths) > 300
    assert all(u.startswith(("file:", "data:")) for u in requested), requested


def test_pdf_and_bad_input(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[game]\nalpha0 = -2\n")
    r = subprocess.run([*CLI, str(bad), "--out", str(tmp_path / "b.html")], capture_output=True, text=True)
    assert (
        r.returncode == 2
        and "alpha0 = -2 is not allowed" in r.stderr
        and len(r.stderr.strip().splitlines()) == 1
    )
    r = subprocess.run([*CLI, "nonesuch", "--out", str(tmp_path / "b.html")], capture_output=True, text=True)
    assert r.returncode == 2 and "eu_threshold" in r.stderr
    assert not (tmp_path / "b.html").exists()
    if not Path("/usr/bin/chromium").exists() and os.environ.get("CI", "").lower() != "true":
        pytest.skip("no chromium: --pdf has no engine here")
    small = tmp_path / "small.toml"
    small.write_text('title = "t"\n[game]\nalpha0 = 0.2\n[policy]\ntheta = 0.5\npenalty = 0.05\n')
    r = subprocess.run(
        [*CLI, str(small), "--out", str(tmp_path / "s.html"), "--pdf"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    pdf = (tmp_path / "s.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    boxes = {tuple(float(x) for x in m.split()) for m in re.findall(rb"/MediaBox \[([^\]]*)\]", pdf)}
    assert boxes and all(abs(b[2] - 595.3) < 2 and abs(b[3] - 841.9) < 2 for b in boxes), boxes  # A4 in pt


def test_the_explorers_settings_file_is_a_report_scenario(tmp_path):
    from moatlab.app.common import toml_text

    f = tmp_path / "from_explorer.toml"
    f.write_text(
        toml_text(
            "from the explorer",
            {
                "game": {"alpha0": 0.3, "lam": 0.2, "penalty_form": "turnover"},
                "policy": {"theta": 0.7, "penalty": 0.2},
            },
        )
    )
    sc = load_report_scenario(f)
    assert sc.game == {"alpha0": 0.3, "lam": 0.2, "penalty_form": "turnover"} and (sc.theta, sc.penalty) == (
        0.7,
        0.2,
    )


def test_user_strings_are_escaped_in_the_brief(tmp_path):
    """A scenario's title, summary or market scenario name cannot inject markup into the brief."""
    import pandas as pd

    from moatlab.report import Brief as BriefData
    from moatlab.report import render_html

    bad = '"><script>alert(1)</script>'
    toml = tmp_path / "evil.toml"
    toml.write_text(
        f"title = '{bad}'\nsummary = '{bad}'\n[policy]\ntheta = 0.6\npenalty = 0.1\n"
        "[market]\nseeds = 2\nperiods = 72\n",
        encoding="utf-8",
    )
    sc = load_report_scenario(toml)
    # the loader now refuses a non-integer periods; render_html must still escape one given in code
    sc = dataclasses.replace(sc, market={"seeds": 2, "periods": "<b>72</b>"})
    b = BriefData(sc)
    n = b.numbers
    n["action"] = "comply"
    for k in (
        "omega",
        "omega_free",
        "dU_G_no_regulation",
        "dU_D_no_regulation",
        "dsurplus_no_regulation",
        "dU_G_no_exemption",
        "dU_D_no_exemption",
        "dsurplus_no_exemption",
        "p_star",
        "p_exit",
        "share_comply",
        "share_defy",
        "share_not_binding",
        "share_exit",
        "share_pareto_no_exemption",
        "alpha0_closed",
    ):
        n[k] = 0.5
    png = b"\x89PNG fake"
    b.figures = {"landscape": (bad, png), "omega_free": (bad, png), "market": (bad, png)}
    for metric in ("hhi", "open_share"):
        for suffix in ("", "_lo", "_hi"):
            n[f"market_{bad}_{metric}{suffix}"] = 1.0
    b.market = pd.DataFrame(
        [{"scenario": bad, "metric": m, "mean": 1.0, "lo": 0.5, "hi": 1.5} for m in ("hhi", "open_share")]
    )
    text = render_html(b)
    assert "<script" not in text and bad not in text
    assert "<b>72</b>" not in text
    p = Brief()
    p.feed(text)
    assert p.links == []  # no <script> element was produced
    assert f"market_{bad}_hhi" in p.numbers  # the key survives, escaped, as the attribute's value


def test_the_brief_opens_with_a_bottom_line_and_defines_its_symbols_first(brief, built):
    out, p = brief
    text = out.read_text(encoding="utf-8")
    body = re.sub(r'src="data:[^"]*"', "", text[text.index("<body>") :])  # text only, not the images
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert body.index('class="bottom-line"') < body.index("<h2>")  # the answer comes first
    words = re.sub(r"<[^>]+>", " ", body)  # what a reader sees (no tags, no attributes)
    terms = words.index("Who and what")
    for sym in ("θ", "ω_free", "p*(θ)", "U_G", "U_D", "α0", "ε", "p_max", "HHI"):
        assert f"<dt>{sym}</dt>" in body, sym
        assert words.index(sym) >= terms, f"{sym} is used before it is defined"
    plain = re.sub(r'<span class="robust".*?</span>', "", body)  # the registry's notes name findings by id
    assert "P1" not in plain.replace("finding M3", "")
    assert "depend on its penalty range" in body  # the map's shares say what they depend on
    assert f"With {SEEDS} runs, fewer than the 30 that findings need" in body
    assert load_report_scenario("eu_threshold").market["seeds"] == 30  # the packaged brief's own ensemble


def test_the_figures_print_legibly_on_a4(built):
    from moatlab.report.brief import MIN_TEXT_PT

    _, b = built
    assert set(b.text_pt) == {"landscape", "omega_free", "market"}
    assert min(b.text_pt.values()) >= MIN_TEXT_PT, b.text_pt


def test_the_brief_states_the_robustness_of_the_findings_it_quotes(brief):
    from moatlab.claims import verdicts

    v = verdicts()
    out, _ = brief
    text = html.unescape(out.read_text(encoding="utf-8"))
    for name in ("P1", "P2", "P3", "M3"):  # closing, indifference curve, Pareto region, rogue giant
        assert f'data-claim="{name}"' in text, name
        assert f"finding {name} of moatlab's claims registry): {v.loc[name, 'verdict']}" in text
