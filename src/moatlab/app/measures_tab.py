"""Real-models tab: openness scores of real models (FMTI, MOF, EOSAI) and who is exempt under each
definition. The server reads only the data folder it was started with, or the packaged snapshot."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from dash import Input, Output, State, callback_context, dcc, html, no_update

from ..errors import MoatlabError
from ..glossary import PAPERS
from .common import (
    OKABE_ITO,
    choice,
    choice_id,
    download_bar,
    empty_figure,
    error_box,
    error_message,
    graph,
    parse_choice,
    query,
    register_choice,
    send_figure,
    sentence,
    share_link,
)

# qualifies / does not / cannot tell: Okabe–Ito blue, vermilion, grey, and a hatch pattern each
ANSWERS = [("qualifies", OKABE_ITO[4], ""), ("does not", OKABE_ITO[5], "x"), ("cannot tell", "#BBBBBB", ".")]
DL = ("png", "svg", "csv")
# the table's first columns (each definition's verdict column follows them)
SORT_COLUMNS = ["model", "dataset", "organisation", "score"]
ORDERS = [("ascending", "ascending (A→Z, low→high)"), ("descending", "descending (Z→A, high→low)")]


def sort_columns() -> list[str]:
    from ..measures import DEFINITIONS

    return [*SORT_COLUMNS, *DEFINITIONS]


def default_data(data: str | os.PathLike | None = None) -> str:
    if data:
        return str(data)
    if os.environ.get("MOATLAB_DATA"):
        return os.environ["MOATLAB_DATA"]
    guess = Path.cwd().parent / "shared" / "data"
    if guess.is_dir():
        return str(guess)
    from ..measures._io import PACKAGED_DATA

    return str(PACKAGED_DATA)


def sources(data: str) -> dict[str, str]:
    """The only folders the server reads: key -> path (the configured folder, the packaged snapshot)."""
    from ..measures._io import PACKAGED_DATA

    out = {"configured": str(data)}
    if Path(data).resolve() != PACKAGED_DATA.resolve():
        out["packaged"] = str(PACKAGED_DATA)
    return out


def measures_layout(initial: dict[str, Any], data: str) -> html.Div:
    src = sources(data)
    names = {
        "configured": f"the server's data folder ({src['configured']})",
        "packaged": "moatlab's packaged snapshot",
    }
    value = initial.get("data") if initial.get("data") in src else "configured"
    cols = sort_columns()
    by = initial.get("sort") if initial.get("sort") in cols else "model"
    order = initial.get("order") if initial.get("order") in dict(ORDERS) else "ascending"
    return html.Div(
        [
            html.Div(
                [
                    html.H2("Openness of real models"),
                    html.P(
                        [
                            "Scores from ",
                            html.Cite(PAPERS["fmti"]),
                            ", ",
                            html.Cite(PAPERS["mof"]),
                            " and ",
                            html.Cite(PAPERS["eosai"]),
                            ", checked against each legal definition of open source.",
                        ],  # fmt: skip
                        className="hint",
                    ),
                    choice("measures-source", "data", [(k, names[k]) for k in src], value, multi=False),
                    html.P(
                        "Read from where it lies; moatlab never copies or downloads it. Start the explorer "
                        "with --data FOLDER to read another folder.",
                        className="hint",
                    ),
                    choice("measures-sort", "sort the table by", [(c, c) for c in cols], by),
                    choice("measures-order", "order", ORDERS, order),
                ],
                className="inputs",
            ),
            html.Div(
                [
                    sentence("measures"),
                    error_box("measures-error"),
                    graph("measures-figure", "How many models qualify as open under each definition"),
                    download_bar("measures", [("png", "PNG"), ("svg", "SVG"), ("csv", "CSV")]),
                    share_link("measures"),
                    html.Div(id="measures-table"),
                ],
                className="main",
            ),
            dcc.Store(id="measures-addr"),
        ],
        className="tab-body two",
    )


@lru_cache(maxsize=4)
def measures_compute(path: str):
    from .. import measures

    cat = measures.load_catalogue(path)
    return measures.openness_table(cat.profiles(), lists=cat.lists), list(measures.DEFINITIONS)


def _counts(table, defs) -> dict[str, list[int]]:
    return {a: [int((table[d] == a).sum()) for d in defs] for a, _, _ in ANSWERS}


def _measures_figure(table, defs) -> go.Figure:
    counts = _counts(table, defs)
    fig = go.Figure(
        [
            go.Bar(x=defs, y=counts[a], name=a, marker={"color": c, "pattern": {"shape": s}})
            for a, c, s in ANSWERS
        ]
    )
    fig.update_layout(
        barmode="stack",
        height=420,
        yaxis_title="models",
        margin={"l": 50, "r": 10, "t": 40, "b": 40},
        title={
            "text": f"Who counts as open? {len(table)} model entries under each definition",
            "font": {"size": 14},
        },
        legend={"orientation": "h", "y": -0.2, "x": 0},
    )
    return fig


def _cell(v) -> str:
    text = f"{v:.3g}" if isinstance(v, float) else str(v)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def sort_table(table, by: str, order: str):
    """The table sorted on the server by one of its columns (numbers by value, text case-blind,
    missing values last; ties keep the data's order)."""
    by = parse_choice("sort", by, sort_columns())
    order = parse_choice("order", order, [o for o, _ in ORDERS])
    if by not in table.columns:
        return table
    key = None if table[by].dtype.kind in "if" else (lambda s: s.astype(str).str.casefold())
    return table.sort_values(by, ascending=order == "ascending", kind="stable", na_position="last", key=key)


def _table(table, by: str | None = None, order: str = "ascending") -> html.Div:
    """Every model and its verdicts: one Markdown table (a single component renders fast)."""
    cols = list(table.columns)
    arrow = " ▲" if order == "ascending" else " ▼"
    lines = ["| " + " | ".join(c + (arrow if c == by else "") for c in cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(_cell(v) for v in r) + " |" for r in table.itertuples(index=False)]
    return html.Div(
        [
            html.P(
                f"Every model entry and its verdicts, sorted by {by}, {order}"
                if by
                else "Every model entry and its verdicts",
                className="caption",
            ),
            dcc.Markdown("\n".join(lines)),
        ],
        id="measures-datatable",
        className="scroll data",
        tabIndex="0",
        role="region",
        **{"aria-label": "table of models and verdicts"},
    )


def describe(table, defs) -> str:
    c = _counts(table, defs)
    most = int(np.argmax(c["qualifies"]))
    return (
        f"{len(table)} model entries: {c['qualifies'][most]} qualify as open under {defs[most]}, the most "
        f"generous definition here; under {defs[-1]} {c['qualifies'][-1]} do, and "
        f"{c['cannot tell'][-1]} cannot be told from the data."
    )


def register_measures(app, data: str) -> None:
    src = sources(data)
    register_choice(app, "measures-source", list(src))
    register_choice(app, "measures-sort", sort_columns())
    register_choice(app, "measures-order", [o for o, _ in ORDERS])

    def load(key):
        return measures_compute(src[parse_choice("data", key, list(src))])

    @app.callback(
        Output("measures-figure", "figure"),
        Output("measures-table", "children"),
        Output("measures-error", "children"),
        Output("measures-sentence", "children"),
        Output("measures-share", "href"),
        *[Output(f"measures-dl-{k}", "disabled") for k in DL],
        Input(choice_id("measures-source"), "data"),
        Input(choice_id("measures-sort"), "data"),
        Input(choice_id("measures-order"), "data"),
    )
    def update(key, by, order):
        try:
            table, defs = load(key)
            shown = sort_table(table, by, order)
        except (MoatlabError, OSError, ValueError) as e:  # clear the stale chart and table
            return (empty_figure(), None, error_message(e), "", no_update, *[True] * len(DL))
        sorting = callback_context.triggered_id in (choice_id("measures-sort"), choice_id("measures-order"))
        return (no_update if sorting else _measures_figure(table, defs), _table(shown, by, order), "",
                describe(table, defs), query("measures", {"data": key, "sort": by, "order": order}),
                *[False] * len(DL))  # fmt: skip

    @app.callback(
        Output("measures-download", "data"),
        *[Input(f"measures-dl-{k}", "n_clicks") for k in DL],
        State(choice_id("measures-source"), "data"),
        prevent_initial_call=True,
    )
    def download(*args):
        key, which = args[-1], callback_context.triggered_id
        try:
            table, defs = load(key)
        except (MoatlabError, OSError, ValueError):
            return no_update
        if which == "measures-dl-csv":
            return dcc.send_data_frame(table.to_csv, "openness_of_models.csv", index=False)
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
        bottom = np.zeros(len(defs))
        for a, c, hatch in ANSWERS:
            h = np.array([(table[d] == a).sum() for d in defs])
            ax.bar(defs, h, bottom=bottom, color=c, label=a, hatch=hatch * 3 or None, edgecolor="white")
            bottom += h
        ax.set_ylabel("models")
        ax.set_title(f"Who counts as open? {len(table)} model entries")
        ax.legend()
        ax.tick_params(axis="x", rotation=20)
        return send_figure(fig, "png" if which == "measures-dl-png" else "svg", "measures")
