"""Helpers shared by the explorer's tabs: inputs with tooltips, figures without cloud links, a
colour-blind-safe palette, settings as TOML/URL, and the server-side checks every tab uses."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import parse_qsl, urlencode

import matplotlib

matplotlib.use("Agg", force=False)
from dash import dcc, html  # noqa: E402

from .._validate import ParameterError, _fmt  # noqa: E402
from ..errors import LimitError  # noqa: E402
from ..glossary import TERMS, label, sig3, tip  # noqa: E402,F401
from ..plots import figure_bytes  # noqa: E402

# Okabe & Ito's palette (distinct under the common colour-vision deficiencies), then black.
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
# Plotly without any link off this machine: no cloud export, no logo link, no "edit in Chart Studio".
GRAPH_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showLink": False,
    "modeBarButtonsToRemove": ["sendDataToCloud", "editInChartStudio", "lasso2d", "select2d"],
    "responsive": True,
}
MAX_QUERY = 2000  # characters of a share link's query the server reads


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
    if isinstance(text, str) and len(text) > 64:
        raise ParameterError(name, text[:20] + "…", allowed)
    try:
        v = float(str(text).strip())
    except (TypeError, ValueError):
        raise ParameterError(name, "" if text is None else str(text), allowed) from None
    ok = math.isfinite(v) and (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)
    if not ok or (integer and v != int(v)):
        raise ParameterError(name, v, allowed)
    return int(v) if integer else v


def parse_choice(name: str, value: Any, allowed: list[str] | tuple[str, ...]) -> str:
    """One of ``allowed`` or :class:`ParameterError` (the server never trusts the client's choice)."""
    if not isinstance(value, str) or value not in allowed:
        shown = str(value)[:40]
        raise ParameterError(name, shown, "one of " + ", ".join(allowed))
    return value


def parse_choices(name: str, values: Any, allowed: list[str], most: int) -> list[str]:
    """A list of distinct names from ``allowed``, at least one and at most ``most``."""
    if not isinstance(values, list | tuple) or not values:
        raise ParameterError(name, "none", f"1 to {most} of " + ", ".join(allowed))
    if len(values) > most:
        raise LimitError(f"{name}: {len(values)} chosen is not allowed: at most {most}")
    out = []
    for v in values:
        parse_choice(name, v, allowed)
        if v not in out:
            out.append(v)
    return out


def send_figure(fig, fmt: str, stem: str) -> dict:
    return dcc.send_bytes(figure_bytes(fig, fmt), f"{stem}.{fmt}")


def field(element_id: str, key: str, value: Any, allowed: str, name: str | None = None) -> html.Div:
    """A labelled text box for a number: the glossary's meaning as its tooltip (hover the label or
    the box) and as a help line shown while the box has the keyboard focus."""
    help_id = f"{element_id}-help"
    return html.Div(
        [
            html.Label(
                [name or label(key), html.Span(f" {allowed}", className="allowed")],
                htmlFor=element_id,
            ),
            dcc.Input(id=element_id, type="text", value=str(value), debounce=True, className="num"),
            html.Small(tip(key), id=help_id, className="help"),
        ],
        className="field",
        title=tip(key),
    )


def choice_id(element_id: str) -> str:
    """The id of a :func:`choice`'s value (a dcc.Store: use ``Input(choice_id(x), "data")``)."""
    return f"{element_id}-value"


def choice(element_id: str, key: str, options: list[tuple[str, str]], value, multi: bool = False):
    """A group of toggle buttons (``aria-pressed``) in a fieldset whose legend is the label: one
    pressed at a time, or any number when ``multi``. Plain buttons are reachable and operable with
    the keyboard and read correctly by screen readers. Register it with :func:`register_choice`."""
    chosen = set(value if multi else [value])
    return html.Fieldset(
        [
            html.Legend(label(key) if key in TERMS else key),
            html.Div(
                [
                    html.Button(
                        lab,
                        id=f"{element_id}-opt-{i}",
                        n_clicks=0,
                        className="toggle",
                        value=v,
                        **{"aria-pressed": "true" if v in chosen else "false"},
                    )
                    for i, (v, lab) in enumerate(options)
                ],
                className="choices",
                id=element_id,
            ),
            dcc.Store(id=choice_id(element_id), data=list(value) if multi else value),
            html.Small(tip(key), className="help") if key in TERMS else None,
        ],
        className="field",
        title=tip(key) if key in TERMS else None,
    )


def register_choice(app, element_id: str, values: list[str], multi: bool = False) -> None:
    """The callback of one :func:`choice` group: a click updates the value and the pressed states."""
    from dash import Input, Output, State, callback_context, no_update

    ids = [f"{element_id}-opt-{i}" for i in range(len(values))]

    @app.callback(
        Output(choice_id(element_id), "data"),
        *[Output(b, "aria-pressed") for b in ids],
        *[Input(b, "n_clicks") for b in ids],
        State(choice_id(element_id), "data"),
        prevent_initial_call=True,
    )
    def toggle(*args):
        trig = callback_context.triggered_id
        if trig not in ids:
            return (no_update,) * (len(ids) + 1)
        v, value = values[ids.index(trig)], args[-1]
        if multi:
            chosen = list(value or [])
            chosen = [c for c in chosen if c != v] if v in chosen else [*chosen, v]
            new = [c for c in values if c in chosen]
            return (new, *["true" if c in new else "false" for c in values])
        return (v, *["true" if c == v else "false" for c in values])


def graph(element_id: str, caption: str) -> html.Figure:
    """A Plotly graph with no cloud link, inside a <figure> whose caption names it."""
    return html.Figure(
        [
            dcc.Graph(id=element_id, config=GRAPH_CONFIG),
            html.Figcaption(caption, className="visually-hidden"),
        ],
        className="graph",
    )


def download_bar(prefix: str, items: list[tuple[str, str]]) -> html.Div:
    """A row of download buttons (ids ``{prefix}-dl-{key}``) and one dcc.Download."""
    return html.Div(
        [
            html.Span("Download: ", className="dl-label"),
            *[
                html.Button(lab, id=f"{prefix}-dl-{key}", n_clicks=0, className="dl", disabled=True)
                for key, lab in items
            ],
            dcc.Download(id=f"{prefix}-download"),
        ],
        className="downloads",
    )


def sentence(prefix: str) -> html.P:
    """The live plain-language sentence above a readout (read out by screen readers when it changes)."""
    return html.P(id=f"{prefix}-sentence", className="sentence", **{"aria-live": "polite"})


def share_link(prefix: str) -> html.A:
    return html.A("link to this view", id=f"{prefix}-share", href="", className="share")


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
            elif isinstance(v, float):
                lines.append(f"{k} = {v!r}")
            else:
                lines.append(f"{k} = {v}")
    return "\n".join(lines) + "\n"


def send_settings(tab: str, sections: dict[str, dict[str, Any]], title: str | None = None) -> dict:
    """A tab's settings as a downloadable TOML file (``moatlab-<tab>.toml``)."""
    text = toml_text(f"moatlab {tab}: settings from the explorer", sections)
    if title:
        text = text.replace("\n", f'\ntitle = "{title}"\n', 1)
    return {"content": text, "filename": f"moatlab-{tab}.toml"}


def query(tab: str, values: dict[str, Any]) -> str:
    return "?" + urlencode({"tab": tab, **{k: v for k, v in values.items() if v not in (None, "")}})


def parse_query(search: str | None) -> dict[str, str]:
    return dict(parse_qsl((search or "").lstrip("?")[:MAX_QUERY]))


def register_click_to_inputs(app: Any, figure_id: str, x_id: str, y_id: str) -> None:
    """A click on a map figure writes the clicked (x, y) into the two inputs that drive it."""
    from dash import Input, Output, no_update

    @app.callback(
        Output(x_id, "value"), Output(y_id, "value"), Input(figure_id, "clickData"), prevent_initial_call=True
    )
    def pick(click):
        if not click or not click.get("points"):
            return no_update, no_update
        pt = click["points"][0]
        return f"{pt['x']:.4g}", f"{pt['y']:.4g}"


def error_message(e: BaseException | str) -> str:
    """The one place the explorer turns an error into the line a user reads (the CLI's equivalent
    is ``moatlab.cli.main``): the first line, whitespace collapsed, at most 300 characters. Dash
    renders it as text, so markup in an echoed value stays literal."""
    text = " ".join(str(e).splitlines()[0].split()) if str(e) else type(e).__name__
    return text if len(text) <= 300 else text[:299] + "…"


def error_box(element_id: str) -> html.Div:
    return html.Div(id=element_id, className="error", role="alert")


def empty_figure(message: str = ""):
    """A blank figure (what a tab shows instead of a stale result)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.update_layout(
        xaxis={"visible": False},
        yaxis={"visible": False},
        height=200,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        annotations=[{"text": message, "showarrow": False, "font": {"size": 14}}] if message else [],
    )
    return fig


# ---- loading a settings TOML back (the inverse of send_settings) ---------------------------------
MAX_SETTINGS_BYTES = 64 * 1024  # a tab's settings file is under 1 KB; the server refuses more than this
_B64_LIMIT = (MAX_SETTINGS_BYTES + 2) // 3 * 4  # base64 characters of the largest file accepted

# In the browser: pass on only the head of the file (the server needs no more to refuse an oversized
# one) with its size, then clear the upload so that loading the same file again fires again.
_UPLOAD_JS = """function(contents, name) {
    if (!contents) { return [window.dash_clientside.no_update, window.dash_clientside.no_update]; }
    var comma = contents.indexOf(',');
    var b64 = comma >= 0 ? contents.length - comma - 1 : contents.length;
    return [{name: String(name || 'settings file').slice(0, 200), size: Math.floor(b64 * 3 / 4),
             contents: contents.slice(0, HEAD)}, null];
}""".replace("HEAD", str(_B64_LIMIT + 200))


def upload_settings(prefix: str) -> html.Div:
    """A "load settings TOML" control (``{prefix}-upload``): click it (or press Enter on it) to pick
    a settings file this tab exported, or drop one on it. Register it with :func:`register_upload`."""
    return html.Div(
        [
            html.Label(  # the file box inside is labelled by this text, reached with Tab, opened with Space
                dcc.Upload(
                    html.Span("Load settings TOML…", className="upload-label"),
                    id=f"{prefix}-upload",
                    accept=".toml,text/plain,application/toml",
                    multiple=False,
                    disable_click=True,  # the label opens the file picker (once)
                    className="upload",
                ),
            ),
            html.Span(id=f"{prefix}-upload-status", className="hint", **{"aria-live": "polite"}),
            error_box(f"{prefix}-upload-error"),
            dcc.Store(id=f"{prefix}-upload-file"),
        ],
        className="upload-bar",
        title="Load a settings file exported from this tab: every control it names is set, after the "
        "server has checked it",
    )


def read_settings_file(data: Any, sections: dict[str, dict[str, str]]) -> tuple[str, dict[str, Any]]:
    """Decode and check an uploaded settings file on the server: (file name, {key: value}).

    ``sections`` maps each allowed table to its allowed keys and their kind (``"number"``,
    ``"choice"`` or ``"choices"``). The file's size is checked here, whatever the browser claimed;
    unknown tables and keys, and values of the wrong type, raise :class:`ParameterError` naming them.
    """
    import base64
    import binascii

    from .._toml import loads_toml
    from ..errors import InputFileError

    if not isinstance(data, dict) or not isinstance(data.get("contents"), str):
        raise InputFileError("settings file: nothing was received")
    name = str(data.get("name") or "settings file")[:80]
    contents: str = data["contents"]
    size = data.get("size")
    b64 = contents.split(",", 1)[1] if contents.startswith("data:") and "," in contents else contents
    if (isinstance(size, int | float) and size > MAX_SETTINGS_BYTES) or len(b64) > _B64_LIMIT:
        shown = size if isinstance(size, int | float) and size > MAX_SETTINGS_BYTES else len(b64) * 3 // 4
        raise LimitError(
            f"{name}: {int(shown) // 1024} KB is larger than the {MAX_SETTINGS_BYTES // 1024} KB allowed "
            "for a settings file"
        )
    try:
        raw = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise InputFileError(f"{name}: not a file the browser could send (bad encoding)") from None
    doc = loads_toml(raw, name, "settings file", error=InputFileError)
    values: dict[str, Any] = {}
    for sec, body in doc.items():
        if sec in ("title", "summary") and isinstance(body, str):
            continue  # free text (a report scenario's): not a control
        if sec not in sections:
            raise ParameterError(f"{name}: {sec}", _short(body), "one of the tables " + ", ".join(sections))
        if not isinstance(body, dict):
            raise ParameterError(f"{name}: {sec}", _short(body), f"a table [{sec}]")
        for key, v in body.items():
            kinds = sections[sec]
            if key not in kinds:
                raise ParameterError(f"{name}: {sec}.{key}", _short(v), "one of " + ", ".join(kinds))
            kind = kinds[key]
            ok = {
                "number": isinstance(v, int | float) and not isinstance(v, bool),
                "choice": isinstance(v, str),
                "choices": isinstance(v, list) and all(isinstance(x, str) for x in v),
            }[kind]
            if not ok:
                want = {"number": "a number", "choice": "a name", "choices": "a list of names"}[kind]
                raise ParameterError(f"{name}: {sec}.{key}", _short(v), want)
            values[key] = v
    if not values:
        raise ParameterError(f"{name}", "no settings", "tables " + ", ".join(f"[{s}]" for s in sections))
    return name, values


def _short(v: Any) -> Any:
    text = str(v)
    return v if len(text) <= 40 else text[:39] + "…"


def _as_text(v: Any) -> str:
    """A number as the text a box shows (floats keep every digit, so a round trip is exact)."""
    return repr(v) if isinstance(v, float) else str(v)


def register_upload(
    app: Any,
    prefix: str,
    sections: dict[str, dict[str, str]],
    controls: dict[str, tuple],
    validate,
) -> None:
    """Wire :func:`upload_settings`: the server reads the file, merges it over the current controls,
    checks the result with the tab's own reader ``validate(values)`` and only then sets the controls.

    ``controls`` maps each key to ``("value", input_id)`` or ``("choice", group_id, options, multi)``
    (a :func:`choice` group). An invalid file sets nothing and shows one line.
    """
    from dash import Input, Output, State, no_update

    from ..errors import MoatlabError

    app.clientside_callback(
        _UPLOAD_JS,
        Output(f"{prefix}-upload-file", "data"),
        Output(f"{prefix}-upload", "contents"),
        Input(f"{prefix}-upload", "contents"),
        State(f"{prefix}-upload", "filename"),
        prevent_initial_call=True,
    )
    keys = list(controls)
    outputs, states = [], []
    for k in keys:
        c = controls[k]
        if c[0] == "value":
            outputs.append(Output(c[1], "value", allow_duplicate=True))
            states.append(State(c[1], "value"))
        else:
            outputs.append(Output(choice_id(c[1]), "data", allow_duplicate=True))
            outputs += [
                Output(f"{c[1]}-opt-{i}", "aria-pressed", allow_duplicate=True) for i in range(len(c[2]))
            ]
            states.append(State(choice_id(c[1]), "data"))
    n_out = len(outputs)

    @app.callback(
        Output(f"{prefix}-upload-error", "children"),
        Output(f"{prefix}-upload-status", "children"),
        *outputs,
        Input(f"{prefix}-upload-file", "data"),
        *states,
        prevent_initial_call=True,
    )
    def load(data, *current):
        if not data:
            return (no_update,) * (n_out + 2)
        try:
            name, new = read_settings_file(data, sections)
        except MoatlabError as e:  # nothing is applied; one line says why
            return (error_message(e), "", *[no_update] * n_out)
        try:  # the tab's own checks, on the file's values over the current ones
            validate({**dict(zip(keys, current, strict=True)), **new})
        except MoatlabError as e:
            return (error_message(f"{name}: {error_message(e)}"), "", *[no_update] * n_out)
        out: list[Any] = []
        for k in keys:
            c = controls[k]
            if c[0] == "value":
                out.append(_as_text(new[k]) if k in new else no_update)
                continue
            if k not in new:
                out += [no_update] * (1 + len(c[2]))
                continue
            v = new[k]
            chosen = [o for o in c[2] if o in v] if c[3] else [v]
            out.append(chosen if c[3] else v)
            out += ["true" if o in chosen else "false" for o in c[2]]
        return ("", f"Loaded {name}: {len(new)} settings set.", *out)
