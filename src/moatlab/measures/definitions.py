"""Regulatory definitions of "open source", as named rules over the data sets' profiles.

Each rule answers, per model, ``qualifies``, ``does not`` or ``cannot tell``, with the reason,
and states which fields of which data set it reads. It never guesses: a field a data set does
not have, or a licence string no licence list recognises, gives ``cannot tell`` unless another
condition already fails. The rules:

``eu-ai-act-open-source``
    EU AI Act (Regulation (EU) 2024/1689), Art. 53(2), Art. 51 and recitals 102-104: released under
    a free and open-source licence allowing access, use, modification and distribution, with the
    parameters including the weights, information on the architecture and on usage made public;
    not a model with systemic risk (presumed above 10^25 training FLOP); not monetised (recital
    103, where the data says). Condition by condition in :mod:`moatlab.measures.eu`.
``osaid-1.0``
    Open Source Initiative, *Open Source AI Definition 1.0* (Oct 2024): data information, complete
    code (training, data processing, inference) and parameters, all under open terms.
``mof-class-III`` / ``mof-class-II`` / ``mof-class-I``
    The Model Openness Framework's classes (cumulative: a Class I model also qualifies for II and III).
``threshold(θ)`` / ``threshold(θ, score=eosai|eosai-archive|mof|fmti)``
    A continuous score at or above θ, the game's openness threshold; by default each data set's
    own score (EOSAI openness, MOF share of required components open, FMTI transparency share).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from .._validate import ParameterError
from . import eu
from .eosai import EOSAIProject
from .eosai_index import EOSAIModel
from .licences import resolve_licence
from .mof import LicenseLists, MOFResult

ANSWERS = ("qualifies", "does not", "cannot tell")


@dataclass(frozen=True)
class FMTIDeveloper:
    """One developer's flagship model in one FMTI release."""

    developer: str
    version: str
    satisfied: int
    scored: int

    @property
    def name(self) -> str:
        return f"{self.developer} ({self.version})"

    @property
    def share(self) -> float:
        return self.satisfied / self.scored if self.scored else math.nan


@dataclass(frozen=True)
class Verdict:
    """One model under one definition: the answer, why, and the evidence fields that decided it."""

    model: str
    dataset: str
    definition: str
    answer: str
    reason: str
    evidence: str = ""


def dataset_of(item) -> str:
    """'eosai' (current index), 'eosai-archive' (archived format), 'mof' or 'fmti'."""
    if isinstance(item, EOSAIModel):
        return "eosai"
    if isinstance(item, EOSAIProject):
        return "eosai-archive"
    if isinstance(item, MOFResult):
        return "mof"
    if isinstance(item, FMTIDeveloper):
        return "fmti"
    raise TypeError(f"not a profile of a known data set: {type(item).__name__}")


def score_of(item) -> float:
    """The data set's own continuous score in [0, 1] (NaN if it has none)."""
    ds = dataset_of(item)
    if ds in ("eosai", "eosai-archive"):
        return item.score()
    if ds == "mof":
        return item.share
    return item.share


def _combine(fails: list[str], unknown: list[str]) -> tuple[str, str]:
    if fails:
        return "does not", "; ".join(fails)
    if unknown:
        return "cannot tell", "; ".join(unknown)
    return "qualifies", ""


def _eosai_need(p: EOSAIProject, dim: str, ok: tuple[str, ...], what: str, fails, unknown) -> None:
    r = p.ratings.get(dim)
    if r is None:
        unknown.append(f"{dim} not rated ({what})")
    elif r not in ok:
        fails.append(f"{dim} is {r} ({what})")


def _mof_need(m: MOFResult, comp: str, what: str, fails, unknown, lists: LicenseLists | None,
              listed_enough: bool = False) -> None:
    c = m.component(comp)
    if c.status == "included" or (listed_enough and c.status != "missing"):
        return
    if c.status == "missing":
        unknown.append(f"{comp} not listed in the file: not shown ({what})")
    elif c.license is not None and resolve_licence(c.license).answer == "not released":
        fails.append(f"{comp} is marked {c.license!r}: not released ({what})")
    elif c.status == "unlicensed":
        fails.append(f"{comp} has no licence ({what})")
    elif lists is not None and c.license not in lists.entries:
        unknown.append(f"{comp} licence {c.license!r} is not a recognised licence id ({what})")
    else:
        fails.append(f"{comp} licence {c.license} is not open ({what})")


@dataclass(frozen=True)
class Definition:
    """A named rule. ``reads`` maps each data set to the fields the rule reads there."""

    name: str
    title: str
    source: str
    reads: dict[str, tuple[str, ...]]
    rule: Callable[..., tuple[str, str]] = field(repr=False)

    def evaluate(self, item, lists: LicenseLists | None = None, *, compute=None,
                 identity: str | None = None) -> Verdict:
        """The verdict on one profile. ``compute``: a training-compute table (path or
        :func:`~moatlab.measures.eu.compute_table`), read by the EU rule only; ``identity``: the
        model's identity across data sets (:func:`~moatlab.measures.identity.identities`)."""
        ds = dataset_of(item)
        if ds not in self.reads:
            return Verdict(item.name, ds, self.name, "cannot tell",
                           f"the {ds.upper()} data has none of the fields this rule needs")
        if self.name == "eu-ai-act-open-source":
            conds = eu.conditions(item, lists, compute, identity=identity)
            answer, reason = eu.combine(conds)
            return Verdict(item.name, ds, self.name, answer, reason,
                           "; ".join(f"{c.name}={c.answer} [{c.evidence}]" for c in conds))
        answer, reason = self.rule(item, ds, lists)
        return Verdict(item.name, ds, self.name, answer, reason, ", ".join(self.reads[ds]))


def _eu(item, ds: str, lists) -> tuple[str, str]:
    return eu.combine(eu.conditions(item, lists))


def _osaid(item, ds: str, lists) -> tuple[str, str]:
    fails: list[str] = []
    unknown: list[str] = []
    if ds == "eosai":
        _eosai_need(item, "trainingcode", ("open",), "complete code", fails, unknown)
        _eosai_need(item, "weights_endmodel", ("open",), "parameters", fails, unknown)
        _eosai_need(item, "licenses", ("open",), "open terms", fails, unknown)
        data = [item.ratings.get(d) for d in ("datasources_basemodel", "datasources_endmodel", "datasheet")]
        if "open" in data:
            pass
        elif None in data:
            unknown.append("datasources or datasheet not rated (data information)")
        else:
            fails.append("datasources_basemodel, datasources_endmodel and datasheet are not open "
                         "(data information)")
    elif ds == "eosai-archive":
        _eosai_need(item, "opencode", ("open",), "complete code", fails, unknown)
        _eosai_need(item, "llmweights", ("open",), "parameters", fails, unknown)
        _eosai_need(item, "license", ("open",), "open terms", fails, unknown)
        r_data, r_sheet = item.ratings.get("llmdata"), item.ratings.get("datasheet")
        if "open" in (r_data, r_sheet):
            pass
        elif r_data is None or r_sheet is None:
            unknown.append("llmdata or datasheet not rated (data information)")
        else:
            fails.append(f"llmdata is {r_data} and datasheet is {r_sheet} (data information)")
    else:
        for comp, what in (("Model parameters (Final)", "parameters"), ("Model architecture", "code"),
                           ("Training code", "code"), ("Inference code", "code"),
                           ("Data preprocessing code", "code")):
            _mof_need(item, comp, what, fails, unknown, lists)
        if "included" not in (item.component("Datasets").status, item.component("Data card").status):
            sub_f: list[str] = []
            sub_u: list[str] = []
            _mof_need(item, "Data card", "data information", sub_f, sub_u, lists)
            (unknown if sub_u else fails).extend(sub_u or sub_f)
    return _combine(fails, unknown)


def _mof_class(k: int):
    def rule(item: MOFResult, ds: str, lists) -> tuple[str, str]:
        if 1 <= item.mof_class <= k:
            return "qualifies", ""
        return "does not", f"{item.label}; progress toward class {_roman(k)} is {item.progress[str(k)]:.1f}%"
    return rule


def _roman(k: int) -> str:
    return {1: "I", 2: "II", 3: "III"}[k]


DEFINITIONS: dict[str, Definition] = {
    "eu-ai-act-open-source": Definition(
        "eu-ai-act-open-source", "EU AI Act exemption for free and open-source models",
        "Regulation (EU) 2024/1689 (AI Act), Art. 53(2), Art. 51, recitals 102-104",
        {"eosai": ("endmodellicense", "licenses", "weights_endmodel", "modelcard", "hardware_architecture",
                   "training compute"),
         "eosai-archive": ("project.license", "license", "llmweights", "architecture", "modelcard",
                           "training compute"),
         "mof": ("Model parameters (Final)", "Model architecture", "Model card", "training compute")}, _eu),
    "osaid-1.0": Definition(
        "osaid-1.0", "Open Source AI Definition 1.0 (OSI), approximated",
        "Open Source Initiative, The Open Source AI Definition 1.0 (28 Oct 2024)",
        {"eosai": ("trainingcode", "weights_endmodel", "licenses", "datasources_basemodel",
                   "datasources_endmodel", "datasheet"),
         "eosai-archive": ("opencode", "llmweights", "license", "llmdata", "datasheet"),
         "mof": ("Model parameters (Final)", "Model architecture", "Training code", "Inference code",
                 "Data preprocessing code", "Datasets", "Data card")}, _osaid),
    **{f"mof-class-{_roman(k)}": Definition(
        f"mof-class-{_roman(k)}", f"MOF {LABEL}",
        "LF AI & Data, Model Openness Framework 1.0 (White et al. 2024)",
        {"mof": ("class",)}, _mof_class(k)) for k, LABEL in
        ((3, "Class III - Open Model"), (2, "Class II - Open Tooling Model"),
         (1, "Class I - Open Science Model"))},
}
SCORES = ("eosai", "eosai-archive", "mof", "fmti")
_THRESHOLD = re.compile(r"^threshold\(\s*([^,\s)]+)\s*(?:,\s*score\s*=\s*([\w-]+)\s*)?\)$")


def threshold(theta: float, score: str | None = None) -> Definition:
    """``threshold(θ)``: the data set's continuous score (or only ``score``'s) is at least θ."""
    if not (isinstance(theta, int | float) and 0.0 <= theta <= 1.0):
        raise ParameterError("theta", theta, "a number in [0, 1]")
    if score is not None and score not in SCORES:
        raise ParameterError("score", score, "one of " + ", ".join(SCORES))

    def rule(item, ds: str, lists) -> tuple[str, str]:
        s = score_of(item)
        if math.isnan(s):
            return "cannot tell", "no score (no rated dimension)"
        return ("qualifies", f"score {s:.3f} >= {theta:g}") if s >= theta else (
            "does not", f"score {s:.3f} < {theta:g}")

    # score=eosai: EOSAI data in either format (the current index or the archived one)
    sets = SCORES if score is None else (("eosai", "eosai-archive") if score == "eosai" else (score,))
    reads = {d: ("score",) for d in sets}
    name = f"threshold({theta:g})" if score is None else f"threshold({theta:g}, score={score})"
    return Definition(name, f"continuous openness score >= {theta:g}",
                      "the openness game's exemption threshold θ", reads, rule)


def get_definition(name: str) -> Definition:
    """A definition by name; ``threshold(0.6)`` and ``threshold(0.6, score=eosai)`` are parsed."""
    if name in DEFINITIONS:
        return DEFINITIONS[name]
    m = _THRESHOLD.match(name.strip())
    if m:  # a bad θ or score is named inside the definition the user wrote (not as an option)
        where = {"theta": "θ", "score": "score"}
        try:
            return threshold(float(m.group(1)), m.group(2))
        except ValueError as e:
            bad = e if isinstance(e, ParameterError) else ParameterError(
                "theta", m.group(1), "a number in [0, 1]")
            raise ParameterError(f"{where.get(bad.name, bad.name)} of definition {name.strip()!r}",
                                 bad.value, bad.allowed) from None
    raise ParameterError("definition", name, "one of " + ", ".join(DEFINITIONS)
                         + ", threshold(θ), threshold(θ, score=eosai|eosai-archive|mof|fmti)")


def check(definition: str | Definition, items: Iterable, lists: LicenseLists | None = None, *,
          compute=None, identities: bool = True) -> pd.DataFrame:
    """Evaluate a definition over profiles; one row per model with the answer, the reason and the evidence.

    ``lists`` (the MOF licence lists) lets the rules tell an unrecognised licence string
    (cannot tell) from a recognised licence that is not open (does not). ``compute``: the EU
    rule's training-compute table (a CSV path or :func:`~moatlab.measures.eu.compute_table`;
    default the packaged one). With ``identities`` the EU rule may bound a model's compute by its
    family's (see :mod:`moatlab.measures.identity`).
    """
    d = get_definition(definition) if isinstance(definition, str) else definition
    items = list(items)
    disp: list[str | None] = [None] * len(items)
    if identities and d.name == "eu-ai-act-open-source" and items:
        from .identity import identities as _ids

        disp = _ids(items)["display"].tolist()
    rows = []
    for it, ident in zip(items, disp, strict=True):
        v = d.evaluate(it, lists, compute=compute, identity=ident)
        rows.append({"model": v.model, "dataset": v.dataset, "score": score_of(it),
                     "answer": v.answer, "reason": v.reason, "evidence": v.evidence})
    return pd.DataFrame(rows, columns=["model", "dataset", "score", "answer", "reason", "evidence"])
