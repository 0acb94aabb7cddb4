"""Market tab (Azoulay, Krieger and Nagaraj 2024): ensembles of the market simulator, run in the
background with progress and a cancel button (a Dash background callback on a diskcache queue)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np
import plotly.graph_objects as go
from dash import Input, Output, State, callback_context, dcc, html, no_update

from ..errors import MoatlabError
from ..glossary import PAPERS, sig3
from .common import (
    DASHES,
    OKABE_ITO,
    choice,
    choice_id,
    download_bar,
    empty_figure,
    error_box,
    error_message,
    field,
    graph,
    parse_choices,
    parse_number,
    query,
    register_choice,
    register_upload,
    send_figure,
    send_settings,
    sentence,
    share_link,
    upload_settings,
)

MAX_SEEDS, MAX_PERIODS = 30, 240
SHOW = {  # metric -> (name in the table, unit)
    "hhi": ("concentration (HHI)", "0–10,000"),
    "open_share": ("open-base share", "0–1"),
    "active": ("active foundation-model firms", "firms"),
    "consumer_surplus": ("consumer surplus", "$B per month"),
    "growth": ("frontier growth", "log-capability per month"),
}
DL = ("png", "svg", "csv", "toml")


def market_available() -> bool:
    try:
        import diskcache  # noqa: F401
        import mesa  # noqa: F401
        import multiprocess  # noqa: F401
        import psutil  # noqa: F401
    except ImportError:
        return False
    return True


def scenario_names() -> list[str]:
    from ..market.scenario import packaged

    return sorted(packaged())


def market_layout(initial: dict[str, Any]) -> html.Div:
    names = scenario_names()
    chosen = [s for s in str(initial.get("scenarios", "baseline,rogue_giant")).split(",") if s in names]
    return html.Div(
        [
            html.Div(
                [
                    html.H2("Market"),
                    html.P(
                        [
                            "An agent-based market of foundation models and the firms that build on them. "
                            "From ",
                            html.Cite(PAPERS["market"]),
                            ". Defaults calibrated to stylised facts of 2023–2024. A known limitation: "
                            "start-ups train only with the money raised to train (their own pricing never "
                            "chooses to spend more); see the market documentation's Limitations.",
                        ],  # fmt: skip
                        className="hint",
                    ),
                    choice(
                        "market-scenarios",
                        "scenarios",
                        [(n, n.replace("_", " ")) for n in names],
                        chosen or ["baseline"],
                        multi=True,
                    ),
                    field("market-seeds", "seeds", initial.get("seeds", 5), f"[2, {MAX_SEEDS}]"),
                    field("market-periods", "periods", initial.get("periods", 60), f"[12, {MAX_PERIODS}]"),
                    html.Div(
                        [
                            html.Button("Run ensemble", id="market-run", n_clicks=0, className="run"),
                            html.Button(
                                "Cancel", id="market-cancel", n_clicks=0, className="run", disabled=True
                            ),
                        ],
                        className="buttons",
                    ),
                    html.Label("progress", htmlFor="market-progress", className="visually-hidden"),
                    html.Progress(id="market-progress", value="0", max="1"),
                    html.Div(id="market-progress-text", className="hint", **{"aria-live": "polite"}),
                    html.P(
                        "Small ensembles for a quick look; findings need 30 runs per scenario "
                        "(moatlab market compare).",
                        className="hint",
                    ),
                ],
                className="inputs",
            ),
            html.Div(
                [
                    sentence("market"),
                    error_box("market-error"),
                    graph("market-figure", "Concentration and open-base share over time, with 95% bands"),
                    download_bar(
                        "market",
                        [("png", "PNG"), ("svg", "SVG"), ("csv", "summary CSV"), ("toml", "settings TOML")],
                    ),
                    upload_settings("market"),
                    share_link("market"),
                    html.Div(id="market-table"),
                ],
                className="main",
            ),
            dcc.Store(id="market-store"),
            dcc.Store(id="market-chosen", data=chosen or ["baseline"]),
            dcc.Store(id="market-addr"),
        ],
        className="tab-body two",
    )


def read_market(scenarios, seeds, periods) -> tuple[list[str], int, int]:
    """Check the tab's settings on the server: packaged names only, at most 10; every size capped."""
    names = scenario_names()
    return (
        parse_choices("scenarios", scenarios, names, len(names)),
        int(parse_number("seeds", seeds, 2, MAX_SEEDS, integer=True)),
        int(parse_number("months", periods, 12, MAX_PERIODS, integer=True)),
    )


def market_compute(scenarios: list[str], seeds: int, periods: int, progress=None):
    from ..market.ensemble import run_ensemble, summary
    from ..market.params import make_params
    from ..market.scenario import MarketScenario, load_scenario

    scs = []
    for name in scenarios:
        sc = load_scenario(name)
        scs.append(MarketScenario(sc.name, make_params({"periods": periods}, base=sc.params), sc.description))
    ds = run_ensemble(scs, seeds=seeds, seed=0, progress=progress)
    return ds, summary(ds)


def _key(names: list[str], seeds: int, periods: int) -> str:
    return "market-" + hashlib.sha256(json.dumps([names, seeds, periods]).encode()).hexdigest()[:24]


def _market_figure(ds) -> go.Figure:
    from plotly.subplots import make_subplots

    from ..market.ensemble import bands

    b = bands(ds[["hhi", "open_share"]])
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("concentration (HHI, 0–10,000)", "open-base share (0–1)")
    )
    t = ds.period.values
    for i, sc in enumerate(ds.scenario.values):
        c, dash = OKABE_ITO[i % len(OKABE_ITO)], DASHES[i % len(DASHES)]
        for j, m in enumerate(("hhi", "open_share"), start=1):
            lo, hi = b[f"{m}_lo"].sel(scenario=sc).values, b[f"{m}_hi"].sel(scenario=sc).values
            fig.add_trace(
                go.Scatter(
                    x=np.concatenate([t, t[::-1]]),
                    y=np.concatenate([hi, lo[::-1]]),
                    fill="toself",
                    fillcolor=c,
                    opacity=0.18,
                    line={"width": 0},
                    showlegend=False,
                    hoverinfo="skip",
                ),
                row=1,
                col=j,
            )
            fig.add_trace(
                go.Scatter(
                    x=t,
                    y=b[m].sel(scenario=sc).values,
                    name=str(sc).replace("_", " "),
                    line={"color": c, "dash": dash, "width": 2},
                    legendgroup=str(sc),
                    showlegend=j == 1,
                ),
                row=1,
                col=j,
            )
    fig.update_layout(
        height=460,
        margin={"l": 50, "r": 10, "t": 60, "b": 40},
        title={
            "text": f"ensemble means with 95% bands ({ds.sizes['seed']} runs per scenario)",
            "font": {"size": 14},
        },
        legend={"orientation": "h", "y": -0.15, "x": 0},
    )
    fig.update_xaxes(title_text="month")
    return fig


def _table(summ) -> html.Div:
    """Run means with their 95% intervals: one Markdown table."""
    show = summ[summ["metric"].isin(list(SHOW))]
    lines = ["| scenario | measure | mean | 95% interval | unit |", "|---|---|---:|---:|---|"]
    lines += [
        f"| {str(r['scenario']).replace('_', ' ')} | {SHOW[r['metric']][0]} | {sig3(r['mean'])} | "
        f"{sig3(r['lo'])} to {sig3(r['hi'])} | {SHOW[r['metric']][1]} |"
        for _, r in show.iterrows()
    ]
    return html.Div(
        [
            html.P("Run means over the second half of each run", className="caption"),
            dcc.Markdown("\n".join(lines)),
        ],
        id="market-datatable",
        className="scroll data",
        tabIndex="0",
        role="region",
        **{"aria-label": "market summary table"},
    )


def describe(summ, seeds: int) -> str:
    s = summ.set_index(["scenario", "metric"])
    parts = [
        f"{sc.replace('_', ' ')}: HHI {sig3(s.loc[(sc, 'hhi'), 'mean'])}, open-base share "
        f"{sig3(s.loc[(sc, 'open_share'), 'mean'])}"
        for sc in dict.fromkeys(summ["scenario"])
    ]
    return f"Over the second half of {seeds} runs per scenario — " + "; ".join(parts) + "."


def register_market(app, cache) -> None:
    register_choice(app, "market-scenarios", scenario_names(), multi=True)
    register_upload(
        app,
        "market",
        {"market": {"scenarios": "choices", "seeds": "number", "periods": "number"}},
        {
            "scenarios": ("choice", "market-scenarios", scenario_names(), True),
            "seeds": ("value", "market-seeds"),
            "periods": ("value", "market-periods"),
        },
        validate=lambda v: read_market(v["scenarios"], v["seeds"], v["periods"]),
    )
    from dash import DiskcacheManager

    manager = DiskcacheManager(cache)

    @app.callback(
        Output("market-figure", "figure"),
        Output("market-table", "children"),
        Output("market-error", "children"),
        Output("market-sentence", "children"),
        Output("market-store", "data"),
        Output("market-share", "href"),
        *[Output(f"market-dl-{k}", "disabled") for k in DL],
        Input("market-run", "n_clicks"),
        State("market-chosen", "data"),
        State("market-seeds", "value"),
        State("market-periods", "value"),
        background=True,
        manager=manager,
        running=[
            (Output("market-run", "disabled"), True, False),
            (Output("market-cancel", "disabled"), False, True),
        ],
        progress=[
            Output("market-progress", "value"),
            Output("market-progress", "max"),
            Output("market-progress-text", "children"),
        ],
        cancel=[Input("market-cancel", "n_clicks")],
        prevent_initial_call=True,
    )
    def run(set_progress, _, scenarios, seeds, periods):
        try:  # checked here, on the server: the client's choices are never trusted
            names, n, T = read_market(scenarios, seeds, periods)
        except MoatlabError as e:
            return (empty_figure(), None, error_message(e), "", None, no_update, *[True] * len(DL))
        total, done = len(names) * n, [0]
        set_progress(("0", str(total), f"0 of {total} runs done"))

        def tick(k: int) -> None:
            done[0] += k
            set_progress((str(done[0]), str(total), f"{done[0]} of {total} runs done"))

        ds, summ = market_compute(names, n, T, progress=tick)
        cache.set(_key(names, n, T), (ds, summ), expire=3600)
        settings = {"scenarios": names, "seeds": n, "periods": T}
        return (
            _market_figure(ds),
            _table(summ),
            "",
            describe(summ, n),
            settings,
            query("market", {"scenarios": ",".join(names), "seeds": n, "periods": T}),
            *[False] * len(DL),
        )

    @app.callback(Output("market-chosen", "data"), Input(choice_id("market-scenarios"), "data"))
    def chosen(value):  # a plain id for the background job's state
        return value

    @app.callback(
        Output("market-download", "data"),
        *[Input(f"market-dl-{k}", "n_clicks") for k in DL],
        State("market-store", "data"),
        prevent_initial_call=True,
    )
    def download(*args):
        p, which = args[-1], callback_context.triggered_id
        if not p or which is None:
            return no_update
        try:
            names, n, T = read_market(p.get("scenarios"), p.get("seeds"), p.get("periods"))
        except (MoatlabError, AttributeError):
            return no_update
        if which == "market-dl-toml":
            return send_settings("market", {"market": {"scenarios": names, "seeds": n, "periods": T}})
        hit = cache.get(_key(names, n, T))
        if hit is None:  # only what this server ran can be downloaded (no new work on a download)
            return no_update
        ds, summ = hit
        if which == "market-dl-csv":
            out = summ.copy()
            out.insert(2, "measure", out["metric"].map(lambda m: SHOW.get(m, (m,))[0]))
            out = out.rename(columns={"lo": "ci95_low", "hi": "ci95_high"})
            return dcc.send_data_frame(out.to_csv, "market_summary.csv", index=False)
        from ..plots.market import plot_bands

        return send_figure(plot_bands(ds), "png" if which == "market-dl-png" else "svg", "market_bands")
