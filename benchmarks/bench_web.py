"""Benchmark: the explorer in a real browser: page load -> first readout, and parameter change -> redraw.

Starts `moatlab serve` on a free port and drives headless Chromium (Playwright, /usr/bin/chromium).

* load -> first readout: from ``page.goto`` to the moment the game tab's readout shows G's
  action, over ``--loads`` fresh browser contexts (the first one with an empty browser cache, the
  others with the JavaScript bundles cached, as for a returning user). Target: under 1.5 s.
* change -> redraw: α0 changed ``--changes`` times, from the key press to the moment the page shows
  the new 201 x 201 map (its title names α0) and the readout.

Baseline in the same run: the same server-side work done in-process (the readout at one policy,
the landscape over 201 x 201 policies with both welfare references, the Plotly figures serialised
to JSON). The ratios printed say what the browser, the network and Dash add.

Usage: python benchmarks/bench_web.py [--loads 7] [--changes 20]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time

import numpy as np
from playwright.sync_api import sync_playwright

from moatlab.app import game_tab

READOUT = "document.querySelector('#game-out-action')?.textContent.length > 0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def params(alpha0: float) -> dict:
    return {**{k: game_tab.DEFAULTS[k] for k in game_tab.MODEL}, "alpha0": alpha0, "penalty_form": "lump_sum"}


def readout_work(alpha0: float) -> float:
    game_tab._point.cache_clear()
    t = time.perf_counter()
    game_tab.point(params(alpha0), 0.6, 0.1)
    return time.perf_counter() - t


def redraw_work(alpha0: float) -> float:
    p = params(alpha0)
    game_tab._compute.cache_clear()
    game_tab._point.cache_clear()
    t = time.perf_counter()
    ds = game_tab.compute(p, 0.5)
    game_tab.point(p, 0.6, 0.1)
    game_tab.landscape_figure(ds, 0.6, 0.1).to_json()
    game_tab.free_figure(p).to_json()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loads", type=int, default=7)
    ap.add_argument("--changes", type=int, default=20)
    args = ap.parse_args()
    values = np.round(np.linspace(0.02, 0.6, args.changes), 4)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moatlab", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(600):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        with sync_playwright() as pw:
            b = pw.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            loads = []
            ctx = b.new_context(viewport={"width": 1400, "height": 1000})
            for i in range(args.loads):
                page = ctx.new_page()  # the first page of the context: empty cache; later: cached bundles
                t = time.perf_counter()
                page.goto(url)
                page.wait_for_function(READOUT, timeout=60_000)
                loads.append(time.perf_counter() - t)
                if i < args.loads - 1:
                    page.close()
            lat = []
            for a in values:
                t = time.perf_counter()
                page.fill("#game-alpha0", f"{a:g}")
                page.press("#game-alpha0", "Enter")
                page.wait_for_function(  # the map's title names the new α0; the readout follows it
                    "(a) => document.querySelector('#game-landscape .gtitle')"
                    "?.textContent.includes('α0 = ' + a + ',')",
                    arg=f"{a:g}",
                    timeout=60_000,
                )
                lat.append(time.perf_counter() - t)
            b.close()
    finally:
        proc.terminate()
    first = [readout_work(0.05) for _ in range(args.loads)]
    work = [redraw_work(a) for a in values]
    warm = loads[1:] or loads
    med, top = statistics.median(warm) * 1e3, max(warm) * 1e3
    print(f"load -> first readout (game tab), {len(loads)} loads: first (empty cache) "
          f"{loads[0] * 1e3:.0f} ms, median {med:.0f} ms, max {top:.0f} ms (target < 1500 ms)")  # fmt: skip
    print(f"  baseline, the readout computed in-process: median {statistics.median(first) * 1e3:.1f} ms")
    print(f"change -> redraw (α0, 201 x 201 map + readout + ω_free), {len(lat)} changes: "
          f"median {statistics.median(lat) * 1e3:.0f} ms, max {max(lat) * 1e3:.0f} ms")  # fmt: skip
    print(f"  baseline, the same server work in-process: median {statistics.median(work) * 1e3:.0f} ms")
    print(f"browser / in-process: load {statistics.median(warm) / statistics.median(first):.0f}x, "
          f"redraw {statistics.median(lat) / statistics.median(work):.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
