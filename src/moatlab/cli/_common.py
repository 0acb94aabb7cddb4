"""Helpers shared by the CLI commands: errors, grids, atomic output folders, JSON."""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from .._lazy import numpy as np
from .._limits import LIMITS, budget, check, parse_cap
from ..errors import MoatlabError, fmt_value

#: stderr for one-line errors and warnings: no markup, no emoji codes, no highlighting of user text.
err_console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)


def out_console() -> Console:
    """A console for tables on stdout that prints user text literally (no ``[markup]``, no ``:emoji:``)."""
    return Console(markup=False, emoji=False, highlight=False)


def one_line(message: str) -> str:
    """An error message as one line of sane length: newlines folded, any huge token (an echoed
    value) cut to 80 characters."""
    import re

    return re.sub(r"\S{120,}", lambda m: m.group()[:80] + "…", " ".join(str(message).split()))


def shorten(text: str) -> str:
    """A user value for an error line: quoted, one line, long values cut (see ``errors.fmt_value``)."""
    return fmt_value(str(text))


class UserError(MoatlabError):
    """Bad input from the user: printed as one line, exit code 2."""


def fail(message: str) -> None:
    raise UserError(message)


# rich's table and progress modules load when first used, not with the CLI (``--help`` stays fast)
def Table(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 - stands in for rich.table.Table
    from rich.table import Table as _Table

    return _Table(*args, **kwargs)


def Progress(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 - stands in for rich.progress.Progress
    from rich.progress import Progress as _Progress

    return _Progress(*args, **kwargs)


def progress_columns() -> tuple:
    """rich's BarColumn, MofNCompleteColumn, TextColumn and TimeRemainingColumn classes."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn

    return BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn


OUT_ROOT = Path("moatlab-out")


def default_out(command: str) -> Path:
    """The output convention: every command that writes files takes ``--out DIR`` and, without it,
    writes into ``./moatlab-out/<command>/`` (one folder per command, so runs never mix files)."""
    return OUT_ROOT / command


OutDir = Annotated[Path, typer.Option("--out", help="output folder")]


MaxSolves = Annotated[str | None, typer.Option(
    "--max-solves", metavar="N",
    help=f"allow this many game solves (default {LIMITS['game_solves'].default:,}, or "
         "$MOATLAB_MAX_GAME_SOLVES; a bargained point costs 74 or more; docs/cli.md)")]


def solves_budget(text: str | None) -> contextlib.AbstractContextManager[None]:
    """The ``game_solves`` budget of one command: ``--max-solves`` when given (checked here, before
    anything runs), else the environment variable; a refusal names both ways to raise it."""
    return budget("game_solves", None if text is None else parse_cap("--max-solves", text),
                  option="--max-solves")


def option_name(param: str) -> str:
    return "--" + param.replace("_", "-")


def parse_grid(option: str, text: str, lo: float, hi: float) -> np.ndarray:
    """Parse ``START:STOP:NUM`` into ``numpy.linspace(START, STOP, NUM)`` within [lo, hi]."""
    allowed = f"START:STOP:NUM with {lo:g} <= START < STOP <= {_fmt(hi)} and integer NUM >= 2"
    parts = text.split(":")
    try:
        if len(parts) != 3:
            raise ValueError
        start, stop = float(parts[0]), float(parts[1])
        num = int(parts[2])
    except ValueError:
        fail(f"{option} = {shorten(text)} is not allowed: must be {allowed}")
    if not (math.isfinite(start) and math.isfinite(stop)) or not (lo <= start < stop <= hi) or num < 2:
        fail(f"{option} = {shorten(text)} is not allowed: must be {allowed}")
    check("grid_axis", num, f"{option} = {shorten(text)}")
    return np.linspace(start, stop, num)


def _fmt(x: float) -> str:
    return "inf" if math.isinf(x) else f"{x:g}"


def check_out(out: Path, option: str = "--out", kind: str = "folder") -> None:
    """Refuse, before anything runs, an output path that cannot be written; nothing is left behind.

    ``kind`` is ``"folder"`` (the path must be, or become, a folder) or ``"file"`` (its folder must
    take a new file). A long command calls this first, so that a bad ``--out`` costs no computation.
    """
    out = Path(out)
    if kind == "folder" and out.exists() and not out.is_dir():
        fail(f"{option} = {shorten(str(out))} is not allowed: must be a folder (a file of that name exists)")
    where = out.absolute() if kind == "folder" else out.absolute().parent
    while not where.exists():  # the nearest folder that exists is where the output would be created
        where = where.parent
    try:
        if not where.is_dir():
            raise NotADirectoryError(20, f"'{where}' is a file")
        os.rmdir(tempfile.mkdtemp(prefix=".moatlab-probe-", dir=where))
    except OSError as e:
        fail(f"{option} = {shorten(str(out))} is not allowed: must be a writable {kind} ({e.strerror})")


@contextlib.contextmanager
def atomic_dir(out: Path) -> Iterator[Path]:
    """Write into a temporary sibling folder; move the files into ``out`` only on success."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        fail(f"--out = '{out}' is not allowed: must be a folder (a file of that name exists)")
    parent = out.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=parent))
    except OSError as e:
        fail(f"--out = '{out}' is not allowed: must be a writable folder ({e.strerror})")
    try:
        yield tmp
        out.mkdir(parents=True, exist_ok=True)
        for f in tmp.iterdir():
            shutil.move(str(f), str(out / f.name))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def json_default(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(type(x).__name__)


def dumps(obj: Any) -> str:
    def clean(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(w) for k, w in v.items()}
        if isinstance(v, list | tuple):
            return [clean(w) for w in v]
        return v

    return json.dumps(clean(obj), default=json_default, indent=2)


def echo(text: str) -> None:
    typer.echo(text)
