"""Strategic rivals: K closed labs each choose an upgrade against each other and the open frontier.

The race model's open frontier x(t), value curve f, demand, discounting, pricing and cost
components apply; K >= 2 closed labs have current models y_k(t) (step schedules) and each chooses
an upgrade z_k shipping on day s, or none. Each day the customers buy the best net value and the
labs price à la Bertrand with quality differences (the race essay's oligopoly)::

    price_k(t) = κ · max(0, f(Y_k(t)) − max(f(x(t)), max_{j≠k} f(Y_j(t))))

with Y_k(t) = max(y_k(t), z_k) from day s on (equal models price at zero: the Traveler's Dilemma
spiral). Lab k's payoff is::

    Π_k(z_k, z_−k) = Σ_t n(t) β^t price_k(t) [+ prestige while it leads] − C_k(z_k | x(s))

    C_k(z | x) = c_k(x) · z                                    (a lab that trains from scratch)
    C_k(z | x) = c_k(x) · max(φ_k z, z − x(s))                 (``from_open``: it starts from the
                                                                open weights and pays only for the
                                                                compute beyond them, at least φ_k z)

with c_k(x) = c_k · (the model's per-unit spill-over factor, 1 without it) and, with the model's
lump-sum ``spillover``, the smaller of the two discounts. Π_k depends on the others only through
M_k = max_{j≠k} z_j (the best rival), so each lab's payoffs form one table T_k[z_k, M_k] over a
log grid of upgrade levels shared by all labs (level 0: no upgrade) — the whole game in K tables,
vectorised over the open-frontier grid.

Equilibria in pure strategies on that grid:

* ``mode='nash'`` (simultaneous moves): a profile is an equilibrium when every lab's choice is a
  best response to the others' (within 1e-12 · (1 + |best payoff|): float noise, not the
  flatness of a payoff near its peak). All equilibria are counted
  exactly: with a = the highest level chosen, either at least two labs choose a (all face a) or
  one lab i does and faces b = max of the others, which each best-respond to a below a; the count
  sums, over a, i and b, products of the sizes of those best-response sets. ``n_equilibria = 0``
  means no pure-strategy equilibrium exists on the grid; > 1 means several (the labs may be
  mirror images: then each is listed).
* ``mode='leader'`` (leader–follower, Stackelberg): the labs move in order 0, 1, …, K−1, each seeing
  the earlier choices; subgame-perfect by backward induction over the state "highest upgrade so
  far". Ties go to the smaller upgrade; ``unique`` is False when a mover on the equilibrium path
  is indifferent between two choices (then the tie-break decides the outcome).

Refinement (:mod:`moatlab.race.equilibrium`): the game is solved again on the coarse levels plus 8
points in each grid interval next to the first equilibrium's upgrades (and, on the first pass, next
to each lab's best upgrade past the open frontier, so that a narrow window where an upgrade pays is
not lost between coarse levels); each pass is about 9-fold finer there. The coarse levels stay, so
every coarse deviation is still checked; counts and uniqueness are those of the final grid.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._validate import ParameterError, check_range
from .engine import _val, alternatives, demand_factor, payoff, segments, unit_cost_factor, value_at
from .model import RaceModel
from .schedule import Schedule

MODES = ("nash", "leader")
MAX_LABS = 6
_BUDGET = 3_000_000  # elements per chunk of the payoff tables
_REL_TOL = 1e-12


@dataclass(frozen=True)
class Lab:
    """A strategic closed lab: its current models, cost per unit, and whether it starts from the
    open weights (then its cost to reach z is c · max(floor · z, z − x(s)): it falls with the open
    frontier)."""

    compute: Schedule | float | Sequence = 2.0
    cost_per_unit: float = 1.0
    from_open: bool = False
    floor: float = 0.1
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "compute", Schedule.of(self.compute, "lab compute"))
        check_range("lab.cost_per_unit", self.cost_per_unit, 0.0)
        check_range("lab.floor", self.floor, 0.0, 1.0)
        if not isinstance(self.from_open, bool | np.bool_):
            raise ParameterError("lab.from_open", self.from_open, "true or false")


def labs_of(model: RaceModel, k: int, rival_from_open: bool = False, floor: float = 0.1) -> tuple[Lab, ...]:
    """K labs like the model's closed lab (its schedule and cost); lab 0 is the incumbent and, with
    ``rival_from_open``, labs 1…K−1 start from the open weights."""
    if not (isinstance(k, int | np.integer) and 2 <= k <= MAX_LABS):
        raise ParameterError("labs", k, f"an integer number of labs in [2, {MAX_LABS}]")
    return tuple(
        Lab(model.closed, model.cost_per_unit, bool(rival_from_open and i > 0), floor, f"lab{i}")
        for i in range(int(k))
    )


def check_game(model: RaceModel, labs: Sequence[Lab], mode: str) -> tuple[Lab, ...]:
    """Validate the game's inputs at the door (one clear error each)."""
    labs = tuple(labs)
    if not (2 <= len(labs) <= MAX_LABS) or not all(isinstance(b, Lab) for b in labs):
        raise ParameterError("labs", len(labs), f"between 2 and {MAX_LABS} Lab objects")
    if mode not in MODES:
        raise ParameterError("mode", mode, "one of " + ", ".join(MODES))
    for comp in ("uncertain", "niches", "open_release"):
        if comp in model.components:
            raise ParameterError(
                comp,
                "set",
                "not combined with strategic labs (the equilibrium solver supports discount, "
                "customers, fixed rivals, prestige, demand growth, ecosystem demand and both spill-overs)",
            )
    return labs


# --------------------------------------------------------------------------------------- kernel


class _Game:
    """Segments and per-segment quantities shared by every lab's payoff table."""

    def __init__(self, model: RaceModel, labs: tuple[Lab, ...], od: np.ndarray, oc: np.ndarray, s: int):
        self.model, self.labs, self.s = model, labs, s
        lab_arr = [lab.compute.arrays() for lab in labs]
        fixed = [r.arrays() for r in model.rivals]
        srcs = (
            [od, np.full((1, 1), float(s))]
            + [d[None, :] for d, _ in lab_arr]
            + [d[None, :] for d, _ in fixed]
        )
        starts, W, Wb = segments(model, *srcs)  # (1, L): the schedules do not depend on x′'s size
        keep = (W > 0).any(0) | (Wb > 0).any(0)  # drop empty segments (days where two schedules change)
        starts, W, Wb = starts[:, keep], W[:, keep], Wb[:, keep]
        self.x = value_at(od, oc, starts)  # (X, L)
        X = self.x.shape[0]
        self.starts = np.broadcast_to(starts, self.x.shape)
        self.W = np.broadcast_to(W, self.x.shape) * demand_factor(model, self.x)
        self.Wb = np.broadcast_to(Wb, self.x.shape)
        self.after = self.starts >= s
        at_s = self.starts == s
        self.x_s = np.where(at_s, np.nan_to_num(self.x, nan=0.0), -np.inf).max(-1)  # (X,)
        self.ys = [
            np.broadcast_to(value_at(d[None], c[None], self.starts), (X, starts.shape[-1]))
            for d, c in lab_arr
        ]
        from .model import Customers

        self.k_rev = (model.customers or Customers()).factors(model.margin)[0]
        self.y_s = np.array([lab.compute.at(s) for lab in labs])
        self.y_s = np.nan_to_num(self.y_s, nan=0.0)
        self.fixed = tuple(
            np.broadcast_to(value_at(d[None], c[None], self.starts), self.x.shape) for d, c in fixed
        )

    def cost(self, k: int, z: np.ndarray, rows: slice) -> np.ndarray:
        """C_k(z | x(s)) for levels ``z`` (X', G)."""
        lab, model = self.labs[k], self.model
        xs = self.x_s[rows, None]
        base = z
        if model.spillover is not None:
            sp = model.spillover
            base = np.maximum(sp.floor * z, z - sp.sigma * xs)
        if lab.from_open:
            base = np.minimum(base, np.maximum(lab.floor * z, z - xs))
        return lab.cost_per_unit * unit_cost_factor(model, xs) * base

    def table(self, k: int, levels: np.ndarray) -> np.ndarray:
        """T_k[x, own option, best rival level] (X, G+1, G+1); option/level 0 = no upgrade."""
        X, G = levels.shape
        L = self.x.shape[-1]
        out = np.empty((X, G + 1, G + 1))
        chunk = max(1, _BUDGET // ((G + 1) ** 2 * L))
        others = [self.ys[j] for j in range(len(self.labs)) if j != k]
        now = others[0]
        for o in others[1:]:
            now = np.fmax(now, o)
        model = self.model
        bonus = model.prestige.upgrade_bonus if model.prestige is not None else 0.0
        for a in range(0, X, chunk):
            r = slice(a, min(X, a + chunk))
            z = levels[r][..., None]  # (X', G, 1)
            aft = self.after[r][:, None, :]
            yk = self.ys[k][r][:, None, :]
            own = np.concatenate([yk, np.where(aft, np.fmax(yk, z), yk)], axis=1)  # (X', G+1, L)
            nw = now[r][:, None, :]
            riv = np.concatenate([nw, np.where(aft, np.fmax(nw, z), nw)], axis=1)  # (X', G+1, L)
            alt = alternatives(
                model,
                self.x[r][:, None, None, :],
                (riv[:, None, :, :], *[f[r][:, None, None, :] for f in self.fixed]),
            )
            if model.prestige is None:  # fast path: revenue only, κ · Σ_seg W · max(0, f(own) − best)
                vy = _val(model.f, 1.0, own)
                diff = vy[:, :, None, :] - alt[0]  # (X', G+1, G+1, L)
                np.maximum(diff, 0.0, out=diff)
                val = self.k_rev * np.einsum("xghl,xl->xgh", diff, self.W[r])
            else:
                pay = payoff(
                    model, self.W[r][:, None, None, :], self.Wb[r][:, None, None, :], own[:, :, None, :], alt
                )
                val = pay["revenue"] + pay["prestige"]
            cost = np.concatenate([np.zeros((val.shape[0], 1)), self.cost(k, levels[r], r) - bonus], axis=1)
            feasible = np.concatenate([np.ones((val.shape[0], 1), bool), levels[r] > self.y_s[k]], axis=1)
            out[r] = np.where(feasible[..., None], val - cost[..., None], -np.inf)
        return out


def _best(T: np.ndarray) -> np.ndarray:
    """Best-response mask BR[x, g, h]: T[x, g, h] within the tolerance of max_g T[x, :, h]."""
    top = T.max(axis=1, keepdims=True)
    return T >= top - _REL_TOL * (1.0 + np.abs(top))


# ------------------------------------------------------------------------------------- solvers


def count_nash(br: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Exact number of pure Nash profiles per x from best-response masks BR_k[x, g, h] (X, G+1, G+1).

    With a the highest level chosen: either >= 2 labs choose a (then all face a: each lab j picks
    from {g <= a: BR_j[g, a]}), or one lab i does, facing b = max of the others, who each pick from
    S_j = {g < a: BR_j[g, a]} with max exactly b, and BR_i[a, b] holds. Counts are floats (exact
    below 2^53). Returns the count (X,), the single-top counts per lab (X, A) and the tied-top
    counts (X, A).
    """
    K = len(br)
    X, G1, _ = br[0].shape
    idx = np.arange(G1)
    below = idx[:, None] < idx[None, :]  # [g, a]: g < a
    # C_j[x, b, a] = #{g <= b: g < a, BR_j[x, g, a]}
    C = [np.cumsum(b & below, axis=1, dtype=np.float64) for b in br]
    n_lt = [c[:, -1, :] for c in C]  # |S_j| (X, A)
    at = [np.diagonal(b, axis1=1, axis2=2).astype(np.float64) for b in br]  # BR_j[x, a, a]
    n_le = [n + t for n, t in zip(n_lt, at, strict=True)]
    tied = _prod(n_le) - _prod(n_lt)
    for i in range(K):
        tied -= at[i] * _prod([n_lt[j] for j in range(K) if j != i])
    top = []
    for i in range(K):
        prod = _prod([C[j] for j in range(K) if j != i])  # combos with all <= b: (X, b, a)
        exact = prod
        exact[:, 1:, :] -= prod[:, :-1, :].copy()  # combos with max exactly b
        # lab i plays a and faces b < a: BR_i[x, a, b]  (exact is 0 for b >= a)
        top.append(np.einsum("xab,xba->xa", br[i].astype(np.float64), exact, optimize=False))
    total = tied.sum(axis=1) + sum(t.sum(axis=1) for t in top)
    return np.rint(total).astype(np.int64), top, tied


def _prod(arrs: list[np.ndarray]) -> np.ndarray:
    out = arrs[0].copy()
    for a in arrs[1:]:
        out *= a
    return out


def list_nash(
    br: list[np.ndarray], top: list[np.ndarray], tied: np.ndarray, x: int, cap: int
) -> list[tuple[int, ...]]:
    """Up to ``cap`` Nash profiles (level indices) at grid point x, from :func:`count_nash`'s counts:
    the highest top level first, ties at the top before a single lab on top, lower-numbered labs first."""
    K = len(br)
    G1 = br[0].shape[1]
    out: list[tuple[int, ...]] = []
    for a in range(G1 - 1, -1, -1):
        if tied[x, a] > 0:  # >= 2 labs at a: everyone faces a
            allowed = [np.flatnonzero(br[j][x, : a + 1, a]) for j in range(K)]
            for prof in itertools.product(*allowed):
                if sum(p == a for p in prof) >= 2:
                    out.append(tuple(int(p) for p in prof))
                    if len(out) >= cap:
                        return out
        for i in range(K):
            if top[i][x, a] <= 0:
                continue
            lower = [np.flatnonzero(br[j][x, :a, a]) if j != i else np.array([a]) for j in range(K)]
            for prof in itertools.product(*lower):
                b = max((p for j, p in enumerate(prof) if j != i), default=0)
                if br[i][x, a, b]:
                    out.append(tuple(int(p) for p in prof))
                    if len(out) >= cap:
                        return out
    return out


def solve_leader(T: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Subgame-perfect path of the sequential game (order 0…K−1) on the grid.

    Returns the level indices (X, K) and, per x, whether no mover on the path is indifferent.
    """
    K = len(T)
    X, G1, _ = T[0].shape
    idx = np.arange(G1)
    after = np.maximum(idx[:, None], idx[None, :])  # [M, g] -> state after choosing g
    later_max = np.zeros((X, G1), dtype=np.int64)  # max of later movers' choices, by state
    policies, ties = [], []
    for k in range(K - 1, -1, -1):
        later = later_max[:, after]  # [x, M, g]: max of later movers' choices after g
        h = np.maximum(idx[None, :, None], later)  # the best rival lab k faces
        pay = _pay_lookup(T[k], h)  # [x, M, g]
        top = pay.max(axis=2, keepdims=True)
        best = pay >= top - _REL_TOL * (1.0 + np.abs(top))
        pol = best.argmax(axis=2)  # the smallest upgrade among the best
        policies.append(pol)
        ties.append(best.sum(axis=2) > 1)
        nxt = np.take_along_axis(later, pol[..., None], axis=2)[..., 0]
        later_max = np.maximum(pol, nxt)
    policies, ties = policies[::-1], ties[::-1]
    state = np.zeros(X, dtype=np.int64)
    path = np.zeros((X, K), dtype=np.int64)
    unique = np.ones(X, dtype=bool)
    rows = np.arange(X)
    for k in range(K):
        g = policies[k][rows, state]
        unique &= ~ties[k][rows, state]
        path[:, k] = g
        state = np.maximum(state, g)
    return path, unique


def _pay_lookup(Tk: np.ndarray, h: np.ndarray) -> np.ndarray:
    """pay[x, M, g] = Tk[x, g, h[x, M, g]] (one flat gather)."""
    X, G1, _ = Tk.shape
    base = (np.arange(X)[:, None, None] * G1 + np.arange(G1)[None, None, :]) * G1
    return np.take(Tk.ravel(), base + h)
