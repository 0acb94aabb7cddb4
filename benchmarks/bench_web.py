"""Benchmark: the explorer's parameter-change -> updated 201 x 201 landscape latency, in a real browser.

Starts `moatlab serve` on a free port, drives headless Chromium (Playwright, /usr/bin/chromium),
changes α0 twenty times and times each change from the key press to the moment the page shows the
new landscape (its title names α0; the readout comes in the same callback response).
Baseline in the same run: the same server-side work done in-process (landscape over 201 x 201
policies with both welfare references, the readout point, the Plotly figures serialised to JSON).
The last line prints browser latency / server work, i.e. what the network, Dash and Plotly's
rendering add. Target: well under 1 s per change.

Usage: python benchmarks/bench_web.py [--changes 20]
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_work(alpha0: float) -> float:
    params = {
        **{k: game_tab.DEFAULTS[k] for k in game_tab.MODEL},
        "alpha0": alpha0,
        "penalty_form": "lump_sum",
    }
    t = time.perf_counter()
    ds = game_tab.compute(params, 0.5)
    game_tab.point(params, 0.6, 0.1)
    game_tab.landscape_figure(ds, 0.6, 0.1).to_json()
    game_tab.free_figure(params).to_json()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--changes", type=int, default=20)
    args = ap.parse_args()
    values = np.round(np.linspace(0.02, 0.6, args.changes), 4)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moatlab", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        with sync_playwright() as pw:
            b = pw.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_function(
                "document.querySelector('#game-out-action')?.textContent.length > 0", timeout=60_000
            )
            lat = []
            for a in values:
                t = time.perf_counter()
                page.fill("#game-alpha0", f"{a:g}")
                page.press("#game-alpha0", "Enter")
                page.wait_for_function(  # the readout arrives in the same callback response
                    "(a) => document.querySelector('#game-landscape .gtitle')"
                    "?.textContent.includes('α0 = ' + a + ',')",
                    arg=f"{a:g}",
                    timeout=60_000,
                )
                lat.append(time.perf_counter() - t)
            b.close()
    finally:
        proc.terminate()
    work = [server_work(a) for a in values]
    print(f"browser: {len(lat)} changes of α0, 201 x 201 landscape + readout + ω_free figure on the page")
    print(f"  latency median {statistics.median(lat) * 1e3:.0f} ms, max {max(lat) * 1e3:.0f} ms")
    print(f"server work in-process (baseline): median {statistics.median(work) * 1e3:.0f} ms")
    print(f"browser latency / server work: {statistics.median(lat) / statistics.median(work):.2f}")


if __name__ == "__main__":
    main()
