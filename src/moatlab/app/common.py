"""Helpers shared by the explorer's tabs: parsing inputs, figure downloads, settings as TOML/URL."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import parse_qsl, urlencode

import matplotlib

matplotlib.use("Agg", force=False)
from dash import dcc, html  # noqa: E402

from .._validate import ParameterError, _fmt  # noqa: E402
from ..plots import figure_bytes  # noqa: E402


def parse_number(
    name: str,
    text: Any,
    lo: float = -math.inf,
    hi: float = math.inf,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
    integer: bool = False,
) -> float:
    """A number typed in a box, or :class:`ParameterError` naming the field and the allowed range."""
    lb, rb = ("(" if lo_open else "["), (")" if hi_open else "]")
    allowed = f"{'an integer' if integer else 'a number'} in {lb}{_fmt(lo)}, {_fmt(hi)}{rb}".replace(
        "-inf", "-∞"
    ).replace("inf", "∞")
    try:
        v = float(str(text).strip())
    except (TypeError, ValueError):
        raise ParameterError(name, "" if text is None else str(text), allowed) from None
    ok = math.isfinite(v) and (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)
    if not ok or (integer and v != int(v)):
        raise ParameterError(name, v, allowed)
    return int(v) if integer else v


def send_figure(fig, fmt: str, stem: str) -> dict:
    return dcc.send_bytes(figure_bytes(fig, fmt), f"{stem}.{fmt}")


def number_field(element_id: str, label: str, value: Any, allowed: str, debounce: bool = True) -> html.Div:
    """A labelled text box for a number, with its allowed range beside the label."""
    return html.Div(
        [
            html.Label([label, html.Span(f" {allowed}", className="allowed")], htmlFor=element_id),
            dcc.Input(id=element_id, type="text", value=str(value), debounce=debounce, className="num"),
        ],
        className="field",
    )


def download_bar(prefix: str, items: list[tuple[str, str]]) -> html.Div:
    """A row of download buttons (ids ``{prefix}-dl-{key}``) and one dcc.Download."""
    return html.Div(
        [
            html.Span("Download: ", className="dl-label"),
            *[
                html.Button(label, id=f"{prefix}-dl-{key}", n_clicks=0, className="dl")
                for key, label in items
            ],
            dcc.Download(id=f"{prefix}-download"),
        ],
        className="downloads",
    )


def toml_text(title: str, sections: dict[str, dict[str, Any]]) -> str:
    """Settings as a small TOML file (numbers and strings only)."""
    lines = [f"# {title}"]
    for sec, values in sections.items():
        lines.append(f"\n[{sec}]")
        for k, v in values.items():
            if isinstance(v, str):
                lines.append(f'{k} = "{v}"')
            elif isinstance(v, list | tuple):
                lines.append(f"{k} = [{', '.join(repr(x) if isinstance(x, str) else f'{x:g}' for x in v)}]")
            else:
                lines.append(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}")
    return "\n".join(lines) + "\n"


def send_settings(tab: str, sections: dict[str, dict[str, Any]]) -> dict:
    """A tab's settings as a downloadable TOML file (``moatlab-<tab>.toml``)."""
    return {
        "content": toml_text(f"moatlab {tab}: settings from the explorer", sections),
        "filename": f"moatlab-{tab}.toml",
    }


def query(tab: str, values: dict[str, Any]) -> str:
    return "?" + urlencode({"tab": tab, **{k: v for k, v in values.items() if v not in (None, "")}})


def parse_query(search: str | None) -> dict[str, str]:
    return dict(parse_qsl((search or "").lstrip("?")))


def error_box(element_id: str) -> html.Div:
    return html.Div(id=element_id, className="error", role="alert")
