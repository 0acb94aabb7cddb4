"""Figures (matplotlib), one module per model; each function takes results and returns a Figure.

* :mod:`moatlab.plots.game` — the openness game (landscapes, ω without regulation, real models on θ)
* :mod:`moatlab.plots.race` — the race model (revenue against the open frontier, z* by component)
* :mod:`moatlab.plots.market` — the market simulator (ensemble bands, scenario comparison)
* :mod:`moatlab.plots.sweep` — sweeps (sensitivity indices, PRIM boxes, policy Pareto fronts)

The models know nothing of plotting; these functions only read their results. In a notebook
the figures show inline; elsewhere they are drawn off-screen (Agg) for writing to files. The game's figures
are also importable from here (``from moatlab.plots import plot_landscape``).
"""

from __future__ import annotations

import io
import os
import sys
from typing import Any

import matplotlib

# Files by default (the CLI, the explorer, the brief); a backend already chosen wins: Jupyter's
# inline backend (ipykernel sets MPLBACKEND), or pyplot imported with the user's own backend.
if not os.environ.get("MPLBACKEND") and "matplotlib.pyplot" not in sys.modules:
    matplotlib.use("Agg")

_GAME = ("plot_landscape", "plot_omega_free", "plot_penalty_needed",
         "ACTION_COLOURS", "PENALTY_LABEL")


def figure_bytes(fig: Any, fmt: str) -> bytes:
    """Render a matplotlib figure to PNG or SVG bytes (and close it)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=130 if fmt == "png" else None, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def __getattr__(name: str) -> Any:  # lazy: importing moatlab.plots does not load pyplot
    if name in _GAME:
        from . import game

        return getattr(game, name)
    raise AttributeError(f"module 'moatlab.plots' has no attribute {name!r}")
