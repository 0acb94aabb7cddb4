"""One glossary for every word and symbol a reader meets: the explorer's tooltips and the brief's
definitions both come from here, so the two never disagree.

Each :class:`Term` has a symbol, a short name, a plain-language meaning, its unit and the paper it
comes from (by name). :func:`sig3` formats a number to three significant figures, the precision
both the explorer and the brief show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .game.params import PARAMETERS

PAPERS = {
    "game": "Qiu, Laufer, Kleinberg and Heidari, “Modeling the Economic Impacts of AI Openness "
    "Regulation” (NeurIPS 2025)",
    "market": "Azoulay, Krieger and Nagaraj, “Old Moats for New Models: Openness, Control, and "
    "Competition in Generative AI” (NBER working paper, 2024)",
    "race": "Taylor, “How do open AI models affect incentive to race?” (essay, 2024)",
    "fmti": "Bommasani et al., “The Foundation Model Transparency Index” (2023)",
    "mof": "White et al., “The Model Openness Framework” (2024)",
    "eosai": "Liesenfeld and Dingemanse, “European Open Source AI Index”",
    "bargaining": "Laufer, Kleinberg and Heidari, “Fine-Tuning Games: Bargaining and Adaptation for "
    "General-Purpose Models” (WWW 2024)",
    "safety": "Laufer, Kleinberg and Heidari, “The Backfiring Effect of Weak AI Safety Regulation” (2025)",
}


@dataclass(frozen=True)
class Term:
    """One glossary entry."""

    key: str
    symbol: str
    name: str
    meaning: str
    unit: str = ""
    paper: str = ""

    @property
    def tip(self) -> str:
        """The tooltip text: symbol, name, meaning and unit in one sentence."""
        head = f"{self.symbol} ({self.name})" if self.symbol and self.symbol != self.name else self.name
        unit = f" Unit: {self.unit}." if self.unit else ""
        return f"{head}: {self.meaning}.{unit}"


_PLAIN = {  # plainer wording for the game's parameters than the solver's one-liners
    "alpha0": "how good the developer's general-purpose model is before anyone fine-tunes it",
    "theta": "the openness a model must reach to count as open source and be exempt from the rule",
    "penalty": "what a developer pays for releasing a model below the openness threshold θ",
    "delta0": "the developer's share of the revenue when its model is fully closed (API only)",
    "c_d": "how costly fine-tuning is for the specialist",
    "lam": "how much openness lowers the specialist's fine-tuning cost (0: not at all)",
    "epsilon": "the developer's reputational benefit from releasing fully open",
    "kappa0": "the developer's cost of serving a fully closed model",
    "c_g": "how costly it is for the developer to build a better model",
    "f_d": "the specialist's fixed cost of entering the market",
}

_TERMS = [
    # actors
    Term("G", "G", "the developer (generalist)",
         "the firm that trains the general-purpose foundation model and chooses how open to release it",
         paper="game"),
    Term("D", "D", "the fine-tuner (specialist)",
         "the firm that fine-tunes G's model for a specific market and shares revenue with G", paper="game"),
    # game parameters (units from the solver's table)
    *[
        Term(n, PARAMETERS[n].symbol, PARAMETERS[n].description, _PLAIN[n], PARAMETERS[n].units, "game")
        for n in PARAMETERS
    ],
    Term("pmax", "p_max", "top of the map's penalty axis",
         "the largest penalty shown on the map of policies; it also bounds the selected p", paper="game"),
    Term("penalty_form", "", "penalty form",
         "how the penalty is charged: a lump sum, a share of the developer's revenue (turnover), or in "
         "proportion to how far openness falls short of θ (shortfall)", paper="game"),
    Term("bargaining", "", "bargaining over the share",
         "how the developer and the fine-tuner agree on the developer's revenue share before it invests: "
         "fixed (no bargaining) or a bargaining solution such as Nash's", paper="bargaining"),
    # actions
    Term("not_binding", "", "not binding",
         "the developer would release at least θ of openness anyway, so the rule changes nothing",
         paper="game"),
    Term("comply", "", "comply", "the developer raises openness to exactly θ to be exempt", paper="game"),
    Term("defy", "", "defy", "the developer stays below θ and pays the penalty", paper="game"),
    Term("exit", "", "exit", "the developer does not release a model at all", paper="game"),
    # game results
    Term("action", "", "developer's action",
         "what G does at the selected policy: not binding, comply, defy or exit", paper="game"),
    Term("omega", "ω", "openness released",
         "how open G releases its model under the policy, from 0 (API only) to 1 (fully open)",
         "openness (0 to 1)", "game"),
    Term("omega_free", "ω_free", "unregulated openness", "how open G would release its model with no rule",
         "openness (0 to 1)", "game"),
    Term("alpha1", "α1", "fine-tuned performance", "the performance of D's product after fine-tuning",
         "performance units", "game"),
    Term("U_G", "U_G", "developer's payoff", "G's profit: its revenue share minus costs and any penalty",
         "revenue units", "game"),
    Term("U_D", "U_D", "fine-tuner's payoff", "D's profit: its revenue share minus fine-tuning costs",
         "revenue units", "game"),
    Term("surplus", "U_G + U_D", "total surplus", "the two firms' payoffs added up", "revenue units",
         "game"),
    Term("penalty_paid", "", "penalty paid", "what G pays under the policy (0 unless it defies)",
         "revenue units", "game"),
    Term("no_regulation", "", "no regulation",
         "the reference world without any openness rule", paper="game"),
    Term("no_exemption", "", "no exemption",
         "the reference world where every model pays the penalty, open or not", paper="game"),
    Term("p_star", "p*(θ)", "indifference curve",
         "the least penalty at which G prefers complying with threshold θ to defying", "as p", "game"),
    Term("p_exit", "", "exit boundary", "the penalty above which G would rather not release at all", "as p",
         "game"),
    Term("pareto", "", "Pareto-improving region",
         "policies that leave both G and D strictly better off than charging every model (no exemption)",
         paper="game"),
    Term("alpha0_closed", "", "closing threshold",
         "the baseline performance α0 from which an unregulated developer keeps its model fully closed",
         "performance units", "game"),
    # safety floors
    Term("theta_g", "θ_G", "developer's safety floor", "the least safety the developer's model must have",
         "safety units", "safety"),
    Term("theta_d", "θ_D", "fine-tuner's safety floor", "the least safety the fine-tuned product must have",
         "safety units", "safety"),
    Term("c0_aa", "C0_αα", "developer's cost of performance", "how costly performance is for the developer",
         paper="safety"),
    Term("c0_ab", "C0_αβ", "developer's cross cost",
         "below 0, performance and safety help each other in the developer's costs; above 0 they interfere",
         paper="safety"),
    Term("c0_bb", "C0_ββ", "developer's cost of safety", "how costly safety is for the developer",
         paper="safety"),
    Term("c1_aa", "C1_αα", "fine-tuner's cost of performance", "how costly performance is for the fine-tuner",
         paper="safety"),
    Term("c1_ab", "C1_αβ", "fine-tuner's cross cost", "as C0_αβ, for the fine-tuner", paper="safety"),
    Term("c1_bb", "C1_ββ", "fine-tuner's cost of safety", "how costly safety is for the fine-tuner",
         paper="safety"),
    Term("r_a", "r_α", "market value of performance", "revenue per unit of the product's performance",
         "revenue units", "safety"),
    Term("r_b", "r_β", "market value of safety", "revenue per unit of the product's safety", "revenue units",
         "safety"),
    Term("delta", "δ", "developer's revenue share",
         "the developer's share of the product's revenue (bargained when a bargaining solution is chosen)",
         "share (0 to 1)", "safety"),
    Term("safety_top", "", "top of the map's floors", "the largest floor the map shows on each axis",
         "safety units", "safety"),
    Term("backfiring", "", "backfiring", "a floor binds and the product ends up less safe than with no floor",
         paper="safety"),
    Term("mutualism", "", "mutualism", "both firms are better off than with no floor", paper="safety"),
    # race
    Term("n", "n", "customers", "how many customers buy from the closed lab", "customers", "race"),
    Term("m", "m", "horizon", "how many days the lab's revenue is counted", "days", "race"),
    Term("closed", "y", "closed model's compute", "the training compute of the lab's closed model",
         "compute units", "race"),
    Term("open", "x", "open frontier's compute", "the training compute of the best open model",
         "compute units", "race"),
    Term("z", "z", "upgrade size", "the compute the lab would upgrade its closed model to",
         "compute units", "race"),
    Term("cost", "", "cost per unit of compute", "what one unit of compute costs the lab",
         "$ per compute unit", "race"),
    Term("family", "f", "value curve",
         "how a customer's value grows with the compute gap over the open frontier: logarithmic or power",
         paper="race"),
    Term("revenue", "R", "revenue", "what the lab earns over the horizon", "$ over the horizon", "race"),
    Term("value", "V", "upgrade value",
         "revenue gained by upgrading to z, net of the upgrade's cost (V > 0: the upgrade pays)",
         "$ over the horizon", "race"),
    Term("marginal", "dR/dz", "marginal race incentive",
         "extra revenue per extra unit of upgrade compute", "$ per compute unit", "race"),
    # market
    Term("scenarios", "", "scenarios",
         "packaged market settings (baseline, rogue giant, openness regulation …) to run side by side",
         paper="market"),
    Term("seeds", "", "runs per scenario",
         "how many independent random runs (each with its own random seed) make up the ensemble", "runs",
         "market"),
    Term("periods", "", "months", "how long each simulated market runs", "months", "market"),
    Term("hhi", "HHI", "Herfindahl–Hirschman index",
         "market concentration of foundation-model revenue: 10,000 is one firm, "
         "below 1,500 is unconcentrated",
         "0 to 10,000", "market"),
    Term("open_share", "", "open-base share", "the share of applications built on an open base model",
         "share (0 to 1)", "market"),
    Term("band", "", "95% band", "the range that holds the ensemble mean with 95% confidence",
         paper="market"),
    # measures
    Term("data", "", "data set",
         "where the openness scores of real models are read from (FMTI, MOF, EOSAI)", paper="fmti"),
    Term("qualifies", "", "qualifies", "the model meets the definition of open source", paper="eosai"),
    Term("does_not", "", "does not qualify", "the model fails the definition", paper="eosai"),
    Term("cannot_tell", "", "cannot tell", "the data do not say enough to decide", paper="eosai"),
]  # fmt: skip

TERMS: dict[str, Term] = {t.key: t for t in _TERMS}


def term(key: str) -> Term:
    """The glossary entry for ``key`` (KeyError if there is none)."""
    return TERMS[key]


def tip(key: str) -> str:
    """Tooltip text for ``key``."""
    return TERMS[key].tip


def label(key: str) -> str:
    """A control's label: the name, then the symbol in brackets when there is one."""
    t = TERMS[key]
    return f"{t.name} {t.symbol}" if t.symbol and t.symbol != t.name else t.name


def sig3(v: float | None) -> str:
    """``v`` to three significant figures: 0.0123, 1.23, 123, 12,300; "–" for NaN or None."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    v = float(v)
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if v == 0:
        return "0"
    r = float(f"{v:.3g}")  # rounded to three significant figures
    mag = math.floor(math.log10(abs(r)))
    if mag >= 3:
        return f"{r:,.0f}"
    if mag < -4:
        return f"{r:.2e}"
    return f"{r:.{max(0, 2 - mag)}f}"
