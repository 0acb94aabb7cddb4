"""Market tab: ensembles of the market simulator, scenario by scenario."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
from dash import Input, Output, State, callback_context, dash_table, dcc, html, no_update

from .._validate import ParameterError
from .common import (
    download_bar,
    error_box,
    number_field,
    parse_number,
    parse_query,
    query,
    send_figure,
    send_settings,
)


def market_available() -> bool:
    try:
        import mesa  # noqa: F401
    except ImportError:
        return False
    return True


def market_layout(initial: dict[str, Any]) -> html.Div:
    from ..market.scenario import packaged

    names = sorted(packaged())
    chosen = [s for s in str(initial.get("scenarios", "baseline,rogue_giant")).split(",") if s in names]
    return html.Div(
        [
            html.Div(
                [
                    html.H3("Market (Azoulay et al. 2024)"),
                    html.Div(
                        [
                            html.Label("scenarios", htmlFor="market-scenarios"),
                            dcc.Dropdown(names, chosen or ["baseline"], id="market-scenarios", multi=True),
                        ],
                        className="field",
                    ),
                    number_field(
                        "market-seeds", "seeds per scenario", initial.get("seeds", 5), "[2, 30]", False
                    ),
                    number_field("market-periods", "months", initial.get("periods", 60), "[12, 240]", False),
                    html.Button("Run ensemble", id="market-run", n_clicks=0, className="run"),
                    html.P(
                        "Small ensembles for a quick look; claims need 30 seeds (moatlab market compare).",
                        className="hint",
                    ),
                ],
                className="inputs",
            ),
            html.Div(
                [
                    error_box("market-error"),
                    dcc.Loading(dcc.Graph(id="market-figure", config={"displaylogo": False})),
                    download_bar(
                        "market",
                        [("png", "PNG"), ("svg", "SVG"), ("csv", "summary CSV"), ("toml", "settings TOML")],
                    ),
                    html.A("link to these settings", id="market-share", href="", className="share"),
                    html.Div(id="market-table"),
                ],
                className="main",
            ),
            dcc.Store(id="market-store"),
        ],
        className="tab-body two",
    )


def read_market(scenarios, seeds, periods) -> tuple[list[str], int, int]:
    if not scenarios:
        raise ParameterError("scenarios", "none", "at least one packaged scenario")
    return (
        list(scenarios),
        int(parse_number("seeds", seeds, 2, 30, integer=True)),
        int(parse_number("months", periods, 12, 240, integer=True)),
    )


def market_compute(scenarios: list[str], seeds: int, periods: int):
    from ..market.ensemble import run_ensemble, summary
    from ..market.params import make_params
    from ..market.scenario import MarketScenario, load_scenario

    scs = []
    for name in scenarios:
        sc = load_scenario(name)
        scs.append(MarketScenario(sc.name, make_params({"periods": periods}, base=sc.params), sc.description))
    ds = run_ensemble(scs, seeds=seeds, seed=0)
    return ds, summary(ds)


def _market_figure(ds) -> go.Figure:
    from plotly.subplots import make_subplots

    from ..market.ensemble import bands

    b = bands(ds[["hhi", "open_share"]])
    fig = make_subplots(rows=1, cols=2, subplot_titles=("HHI of foundation-layer revenue", "open-base share"))
    t = ds.period.values
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    for i, sc in enumerate(ds.scenario.values):
        c = palette[i % len(palette)]
        for j, m in enumerate(("hhi", "open_share"), start=1):
            lo, hi = b[f"{m}_lo"].sel(scenario=sc).values, b[f"{m}_hi"].sel(scenario=sc).values
            fig.add_trace(
                go.Scatter(
                    x=np.concatenate([t, t[::-1]]),
                    y=np.concatenate([hi, lo[::-1]]),
                    fill="toself",
                    fillcolor=c,
                    opacity=0.2,
                    line={"width": 0},
                    showlegend=False,
                    hoverinfo="skip",
                ),
                row=1,
                col=j,
            )
            fig.add_trace(
                go.Scatter(
                    x=t, y=b[m].sel(scenario=sc).values, name=str(sc), line={"color": c}, showlegend=j == 1
                ),
                row=1,
                col=j,
            )
    fig.update_layout(
        height=430,
        margin={"l": 50, "r": 10, "t": 50, "b": 40},
        title={"text": f"ensemble means with 95% bands ({ds.sizes['seed']} seeds)", "font": {"size": 14}},
    )
    fig.update_xaxes(title_text="month")
    return fig


def register_market(app) -> None:
    @app.callback(
        Output("market-figure", "figure"),
        Output("market-table", "children"),
        Output("market-error", "children"),
        Output("market-store", "data"),
        Output("market-share", "href"),
        Input("market-run", "n_clicks"),
        State("market-scenarios", "value"),
        State("market-seeds", "value"),
        State("market-periods", "value"),
        prevent_initial_call=True,
    )
    def run(_, scenarios, seeds, periods):
        try:
            names, n, T = read_market(scenarios, seeds, periods)
        except ParameterError as e:
            return no_update, no_update, str(e), no_update, no_update
        ds, summ = market_compute(names, n, T)
        show = summ[summ["metric"].isin(["hhi", "open_share", "active", "consumer_surplus", "growth"])]
        table = dash_table.DataTable(
            show.round(4).to_dict("records"),
            [{"name": c, "id": c} for c in show.columns],
            id="market-datatable",
            style_table={"overflowX": "auto"},
        )
        return (
            _market_figure(ds),
            table,
            "",
            {"scenarios": names, "seeds": n, "periods": T},
            query("market", {"scenarios": ",".join(names), "seeds": n, "periods": T}),
        )

    @app.callback(
        Output("market-scenarios", "value"),
        Output("market-seeds", "value"),
        Output("market-periods", "value"),
        Input("url", "search"),
    )
    def load(search):
        args = parse_query(search)
        if args.get("tab") != "market":
            return no_update, no_update, no_update
        return (
            args["scenarios"].split(",") if "scenarios" in args else no_update,
            args.get("seeds", no_update),
            args.get("periods", no_update),
        )

    @app.callback(
        Output("market-download", "data"),
        *[Input(f"market-dl-{k}", "n_clicks") for k in ("png", "svg", "csv", "toml")],
        State("market-store", "data"),
        prevent_initial_call=True,
    )
    def download(*args):
        p, which = args[-1], callback_context.triggered_id
        if not p or which is None:
            return no_update
        if which == "market-dl-toml":
            return send_settings("market", {"market": p})
        ds, summ = market_compute(p["scenarios"], p["seeds"], p["periods"])
        if which == "market-dl-csv":
            return dcc.send_data_frame(summ.to_csv, "market_summary.csv", index=False)
        from ..plots.market import plot_bands

        return send_figure(plot_bands(ds), "png" if which == "market-dl-png" else "svg", "market_bands")
