"""Lineage: which model each foundation model (and so each downstream product) derives from.

Every model gets an id when its firm is created; a model trained from scratch is its own root. A
firm that *adopts* an open base (open weights, or the leaked model, id :data:`Lineage.LEAKED`)
pays for it now and receives it ``adopt_lag`` months later; from then on its parent is the base and
its root is the base's root, so descendants of descendants keep the root. When an incumbent turns
open (the 'rogue' giant) or a model leaks, its root is *marked*; the paper's statistic — the share of
start-up and academic models built on LLaMA or its descendants within a year (Azoulay et al.
2024, §3.4) — is the share of such models whose root is marked.
"""

from __future__ import annotations

import numpy as np


class Lineage:
    """Per-row lineage state of the foundation-model firms (rows are reused after exits).

    Attributes
    ----------
    uid, root, parent : int arrays
        The model's id, the id of its root model, the id of the base it was fine-tuned from
        (−1 for none).
    cost_factor : float array
        Firm-specific multiplier of the adoption cost (log-normal, ``adopt_noise``).
    due, target, source, source_root : arrays
        A pending adoption: the month it lands (−1: none), the ln-compute it brings, the base's id
        and root.
    marked : dict
        Marked roots (the open giant's model, the leaked model) and the month they opened.
    """

    LEAKED = -2

    def __init__(self, n: int):
        self.uid = np.full(n, -1, dtype=np.int64)
        self.root = np.full(n, -1, dtype=np.int64)
        self.parent = np.full(n, -1, dtype=np.int64)
        self.cost_factor = np.ones(n)
        self.due = np.full(n, -1, dtype=np.int64)
        self.target = np.zeros(n)
        self.source = np.full(n, -1, dtype=np.int64)
        self.source_root = np.full(n, -1, dtype=np.int64)
        self.marked: dict[int, int] = {}
        self._next = 0

    def new_model(self, row: int, cost_factor: float) -> None:
        """A new firm in ``row`` with its own model (its own root)."""
        self.uid[row] = self.root[row] = self._next
        self._next += 1
        self.parent[row] = -1
        self.cost_factor[row] = cost_factor
        self.due[row] = -1

    def drop(self, row: int) -> None:
        """The firm in ``row`` left; a pending adoption is void."""
        self.due[row] = -1

    def base_of(self, row: int) -> tuple[int, int]:
        """(id, root) of the model in ``row``, or of the leaked model for ``row == LEAKED``."""
        if row == self.LEAKED:
            return self.LEAKED, self.LEAKED
        return int(self.uid[row]), int(self.root[row])

    def start(self, rows: np.ndarray, target: float, base: tuple[int, int], due: int) -> None:
        """Firms ``rows`` begin adopting ``base`` (id, root); it lands in month ``due`` at ``target``."""
        self.due[rows] = due
        self.target[rows] = target
        self.source[rows], self.source_root[rows] = base

    def land(self, t: int, compute: np.ndarray, alive: np.ndarray) -> int:
        """Adoptions due in month ``t`` land: ln X ← max(ln X, target), and the lineage follows the base
        when the base is better than the firm's own model by then. Returns the number that landed."""
        rows = np.flatnonzero((self.due == t) & alive)
        self.due[rows] = -1
        better = rows[self.target[rows] > np.log(compute[rows])]
        compute[better] = np.exp(self.target[better])
        self.parent[better] = self.source[better]
        self.root[better] = self.source_root[better]
        return int(better.size)

    def mark_root(self, root: int, t: int) -> None:
        """Mark ``root`` as the open giant's or the leaked model from month ``t`` on."""
        self.marked.setdefault(int(root), int(t))

    def in_lineage(self) -> np.ndarray:
        """Rows whose model descends from a marked root (or is one)."""
        if not self.marked:
            return np.zeros(self.root.size, dtype=bool)
        return np.isin(self.root, list(self.marked))

    def leak_is_marked(self) -> bool:
        return self.LEAKED in self.marked

    def share(self, mask: np.ndarray) -> float:
        """Share of the models in ``mask`` that descend from a marked root, the root models excluded
        (0 when nothing is marked, NaN when ``mask`` selects no model)."""
        sel = mask & ~np.isin(self.uid, list(self.marked))
        if not sel.any():
            return float("nan")
        if not self.marked:
            return 0.0
        return float(self.in_lineage()[sel].mean())
