"""``moatlab measures …``: openness of real models (FMTI, MOF, EOSAI) and regulatory definitions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from ._common import OutDir, Table, atomic_dir, default_out, dumps, err_console, fail
from .app import app

if TYPE_CHECKING:
    import pandas as pd

measures_app = typer.Typer(help="Openness of real models: FMTI, MOF, EOSAI; who counts as open source.",
                           no_args_is_help=True)
app.add_typer(measures_app, name="measures")

Json = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
Csv = Annotated[bool, typer.Option("--csv", help="print CSV instead of a table")]
Data = Annotated[Path | None, typer.Option(
    "--data", help="data folder holding fmti/, mof/, eosai/ (default: $MOATLAB_DATA, else the snapshot "
                   "packaged with moatlab)")]


def _path(path: Path | None, data: Path | None, name: str | None = None) -> Path:
    """PATH if given, else the data set ``name`` (or the root) of --data / $MOATLAB_DATA / packaged."""
    from ..measures._io import data_dir, data_root

    if path is not None:
        return path
    if name is None:
        return data_root(data)
    return data_dir(name, data)


class _Failed(Exception):
    pass


def _report_errors(errors: list) -> int:
    for e in errors:
        err_console.print(f"error: {e}", markup=False)
    if errors:
        err_console.print(f"error: {len(errors)} file{'s' if len(errors) > 1 else ''} failed to load",
                          markup=False)
    return 2 if errors else 0


def _table(df: pd.DataFrame, title: str, fmt: dict[str, str] | None = None) -> None:
    import pandas as pd

    fmt = fmt or {}
    t = Table(title=title)
    for c in df.columns:
        t.add_column(str(c), justify="right" if pd.api.types.is_numeric_dtype(df[c]) else "left")
    for row in df.itertuples(index=False):
        t.add_row(*[_cell(v, fmt.get(c)) for c, v in zip(df.columns, row, strict=True)])
    Console(width=max(100, Console().width), markup=False, emoji=False).print(t)  # data text literally


def _cell(v: Any, f: str | None) -> str:
    import pandas as pd

    if isinstance(v, float):
        return "" if pd.isna(v) else format(v, f or ".3f")
    return str(v)


def _emit(df: pd.DataFrame, records: Any, json: bool, csv: bool, title: str, fmt=None) -> None:
    if json and csv:
        fail("--json and --csv are exclusive: choose one output format")
    if json:
        typer.echo(dumps(records))
    elif csv:
        typer.echo(df.to_csv(index=False), nl=False)
    else:
        _table(df, title, fmt)


@measures_app.command("fmti")
def fmti_cmd(
    path: Annotated[Path | None, typer.Argument(help="FMTI folder (or one scores CSV); default: --data")]
    = None,
    version: Annotated[str, typer.Option(help="release: 'latest', 'all' or a version such as 2023-10")]
    = "latest",
    by: Annotated[str, typer.Option(help="'developer', 'domain' or 'subdomain'")] = "developer",
    json: Json = False, csv: Csv = False, data: Data = None,
) -> None:
    """Transparency share per developer (satisfied / scored indicators) of an FMTI release.

    Example: moatlab measures fmti ../shared/data/fmti --version 2023-10 --json
    """
    from ..measures import fmti_scores, load_fmti

    if by not in ("developer", "domain", "subdomain"):
        fail(f"--by = {by!r} is not allowed: must be one of developer, domain, subdomain")
    rep = load_fmti(_path(path, data, "fmti"))
    versions = [r.version for r in rep.items]
    if version == "latest":
        rels = rep.items[-1:]
    elif version == "all":
        rels = rep.items
    else:
        rels = [r for r in rep.items if r.version == version]
        if not rels:
            fail(f"--version = {version!r} is not allowed: must be latest, all or one of "
                 + ", ".join(versions))
    for r in rels:
        t = r.totals()
        bad = t[t["published"].notna() & (t["published"] != t["recomputed"])]
        for dev, row in bad.iterrows():
            err_console.print(f"warning: {r.source}: Total of {dev} is {row.published:g} but the "
                              f"indicators sum to {row.recomputed:g}", markup=False)
    import pandas as pd

    df = fmti_scores(rels, by=None if by == "developer" else by) if rels else pd.DataFrame()
    keys = ["developer", *(["domain"] if by != "developer" else []), *(["subdomain"] if by == "subdomain"
                                                                          else []),
            "satisfied", "scored", "share"]
    if version == "all":
        keys = ["version", *keys]
    df = df[keys] if len(df) else pd.DataFrame(columns=keys)
    _emit(df, df.to_dict(orient="records"), json, csv,
          f"FMTI transparency ({', '.join(r.version for r in rels)})")
    raise typer.Exit(_report_errors(rep.errors))


@measures_app.command("mof")
def mof_cmd(
    path: Annotated[Path | None, typer.Argument(help="MOF folder (or its models/ or one .yml); "
                                                "default: --data")] = None,
    licenses: Annotated[Path | None, typer.Option(help="folder of the licence lists")] = None,
    schema: Annotated[Path | None, typer.Option(help="mof_schema.json")] = None,
    json: Json = False, csv: Csv = False, data: Data = None,
) -> None:
    """MOF class and progress of every model file.

    Example: moatlab measures mof ../shared/data/mof --csv
    """
    from ..measures import load_mof, mof_table

    licenses, schema = _mof_refs(licenses, schema, data)
    rep = load_mof(_path(path, data, "mof"), licenses=licenses, schema=schema)
    df = mof_table(rep.items)
    cols = ["name", "producer", "class", "label", "progress_3", "progress_2", "progress_1", "share"]
    _emit(df if csv else df[cols], [r.to_dict() for r in rep.items], json, csv,
          f"MOF classification ({len(rep.items)} models)", {"progress_3": ".1f", "progress_2": ".1f",
                                                              "progress_1": ".1f"})
    raise typer.Exit(_report_errors(rep.errors))


def _mof_refs(licenses: Path | None, schema: Path | None, data: Path | None):
    """--licenses / --schema, else those of an explicit --data (else found beside the files)."""
    if data is not None:
        from ..measures._io import data_dir

        mof = data_dir("mof", data)
        licenses = licenses or mof / "licenses"
        schema = schema or mof / "schema" / "mof_schema.json"
    return licenses, schema


def _parse_weights(text: str | None) -> dict[str, float] | None:
    from ..measures import DIMENSIONS

    if not text:
        return None
    out = {}
    for part in text.split(","):
        k, _, v = part.partition("=")
        k = k.strip()
        if k not in DIMENSIONS:
            fail(f"--weights = {text!r} is not allowed: {k!r} is not a dimension (one of "
                 + ", ".join(DIMENSIONS) + ")")
        try:
            out[k] = float(v)
            if not out[k] >= 0:
                raise ValueError
        except ValueError:
            fail(f"--weights = {text!r} is not allowed: weight of {k} must be a number >= 0")
    return out


@measures_app.command("eosai")
def eosai_cmd(
    path: Annotated[Path | None, typer.Argument(help="EOSAI folder (the current index, or the archived "
                                                "format's projects/) or one .yaml; default: --data")] = None,
    format: Annotated[str, typer.Option("--format", help="'auto', 'index' (current) or 'archive'")] = "auto",
    weights: Annotated[str | None, typer.Option(help="dimension weights of the archived format, e.g. "
                                                "llmweights=2,license=2")] = None,
    json: Json = False, csv: Csv = False, data: Data = None,
) -> None:
    """EOSAI openness: the index's own score and ours (open 1, partial 0.5, closed 0).

    The current index by default; --format archive reads the archived format. A malformed file is
    listed on stderr (file, field, value, allowed), the rest load, and the exit code is 2.

    Example: moatlab measures eosai --json
    """
    from ..measures import GROUPS, eosai_scores, load_eosai
    from ..measures.eosai_index import eosai_index_scores

    if format not in ("auto", "index", "archive"):
        fail(f"--format = {format!r} is not allowed: must be one of auto, index, archive")
    w = _parse_weights(weights)
    if path is not None:
        src = path
    else:
        src = data_root_of(data) if format != "archive" else _path(None, data, "eosai")
    rep = load_eosai(src, format=format)
    for s in rep.skipped:
        err_console.print(f"note: skipped {s}", markup=False)
    from ..measures import EOSAIProject

    if rep.items and not isinstance(rep.items[0], EOSAIProject):
        if w:
            fail("--weights is not allowed with the current index: it applies to the archived format only")
        df = eosai_index_scores(rep.items)
        cols = [c for c in ["name", "organisation", "type", "index_score", "score", "index_availability",
                            "index_documentation", "index_access", "rated", "missing", "license"]
                if c in df.columns]
        title = f"EOSAI index ({len(df)} models): index_score as the index computes it, score ours"
    else:
        df = eosai_scores(rep.items, w)
        cols = ["name", "organisation", "score", *GROUPS, "rated", "missing"]
        title = f"EOSAI archived format ({len(df)} projects)"
    recs = [{**{k: r[k] for k in cols if k != "missing"},
             "missing": [m for m in str(r["missing"]).split(",") if m]} for r in df.to_dict(orient="records")]
    _emit(df if csv else df[cols], recs, json, csv, title)
    raise typer.Exit(_report_errors(rep.errors))


def data_root_of(data: Path | None) -> Path:
    from ..measures._io import data_root

    return data_root(data)


def _data_option(data: Path | None) -> str:
    """What named the data folder read without PATH: --data, else the environment variable."""
    return "--data" if data is not None else "$MOATLAB_DATA"


def _detect(path: Path, option: str = "PATH") -> str:
    """Which data set a path holds: 'root', 'fmti', 'mof' or 'eosai' (``option``: what named it)."""
    from ..measures._io import read_yaml

    if not path.exists():
        fail(f"{option} = '{path}' is not allowed: must be an existing file or folder")
    if path.is_dir():
        if any((path / n).is_dir() for n in ("fmti", "mof", "eosai", "eosai-index")):
            return "root"
        if (path / "_parameters.yml").is_file() or path.name == "eosai-index":
            return "eosai-index"
        if path.name in ("fmti", "mof", "eosai"):
            return path.name
        if (path / "models").is_dir() or any(path.glob("*.yml")):
            return "mof"
        if (path / "projects").is_dir() or any(path.glob("*.yaml")):
            return "eosai"
        if any(path.glob("*.csv")):
            return "fmti"
    elif path.suffix == ".csv":
        return "fmti"
    elif path.suffix in (".yml", ".yaml"):
        try:
            doc = read_yaml(path)
        except Exception:
            return "mof" if path.suffix == ".yml" else "eosai"
        if isinstance(doc, dict) and "release" in doc:
            return "mof"
        if isinstance(doc, dict) and "project" in doc:
            return "eosai"
        if isinstance(doc, dict) and "system" in doc:
            return "eosai-index"
    fail(f"{option} = '{path}' is not allowed: must hold FMTI (CSV), MOF (.yml) or EOSAI (.yaml) data "
         "(or a folder holding eosai-index/, eosai/, mof/, fmti/)")
    return ""


def _profiles(paths: list[Path], fmti_version: str | None = "latest", archive: bool = False,
              option: str = "PATH"):
    from ..measures import Catalogue, license_lists, load_catalogue, load_fmti, load_mof
    from ..measures.eosai import load_eosai_archive
    from ..measures.eosai_index import load_eosai_index
    from ..measures.mof import _find

    cat = Catalogue()
    for p in paths:
        kind = _detect(p, option)
        if kind == "root":
            c = load_catalogue(p)
            cat.eosai += c.eosai
            cat.eosai_archive += c.eosai_archive
            cat.mof += c.mof
            cat.fmti += c.fmti
            cat.errors += c.errors
            cat.lists = c.lists or cat.lists
            continue
        loader = {"fmti": load_fmti, "mof": load_mof, "eosai": load_eosai_archive,
                  "eosai-index": load_eosai_index}[kind]
        rep = loader(p)
        {"fmti": cat.fmti, "mof": cat.mof, "eosai": cat.eosai_archive, "eosai-index": cat.eosai}[kind].extend(
            rep.items)
        cat.errors += rep.errors
        if kind == "mof":
            lic = _find(p if p.is_dir() else p.parent, "licenses")
            cat.lists = license_lists(lic) if lic else (cat.lists or license_lists())
    if cat.lists is None:
        cat.lists = license_lists()
    explicit = archive or (not cat.eosai and bool(cat.eosai_archive))
    sets = ("eosai", "eosai-archive", "mof", "fmti") if explicit else ("eosai", "mof", "fmti")
    return cat, cat.profiles(sets, fmti_version=fmti_version)


Compute = Annotated[Path | None, typer.Option(
    "--compute", help="training-compute CSV for the EU rule (columns model, training_flop, source; "
                      "optional flop_low, flop_high, monetised, note); default: the packaged one")]
Archive = Annotated[bool, typer.Option("--archive", help="also read the archived EOSAI format")]


@measures_app.command("check")
def check_cmd(
    definition: Annotated[str, typer.Argument(help="eu-ai-act-open-source, osaid-1.0, mof-class-I|II|III, "
                                              "threshold(θ) or threshold(θ, score=eosai|mof|fmti)")],
    paths: Annotated[list[Path] | None, typer.Argument(help="data folders or files (FMTI, MOF, EOSAI); "
                                                       "default: --data")] = None,
    json: Json = False, csv: Csv = False, data: Data = None, compute: Compute = None,
    archive: Archive = False,
) -> None:
    """Who qualifies under a definition of open source: qualifies / does not / cannot tell, and why.

    Each row carries the reason and the evidence fields that decided it.

    Exit code 0, or 2 when a data file failed to load (each listed on stderr; the rest are read).

    Example: moatlab measures check eu-ai-act-open-source ../shared/data
    """
    from ..measures import check, get_definition
    from ..measures.eu import compute_table

    d = get_definition(definition)
    table = compute_table(compute) if compute is not None else None
    cat, profiles = _profiles(paths or [_path(None, data)], archive=archive,
                              option="PATH" if paths else _data_option(data))
    df = check(d, profiles, cat.lists, compute=table)
    counts = df["answer"].value_counts()
    _emit(df, df.to_dict(orient="records"), json, csv,
          f"{d.name}: " + ", ".join(f"{a} {int(counts.get(a, 0))}" for a in
                                    ("qualifies", "does not", "cannot tell")))
    raise typer.Exit(_report_errors(cat.errors))


@measures_app.command("classify")
def classify_cmd(
    file: Annotated[Path, typer.Argument(help="one MOF model file (.yml)")],
    licenses: Annotated[Path | None, typer.Option(help="folder of the licence lists")] = None,
    schema: Annotated[Path | None, typer.Option(help="mof_schema.json")] = None,
    json: Json = False, data: Data = None,
) -> None:
    """Classify one MOF file: class, progress per class, each component's licence and status.

    Example: moatlab measures classify ../shared/data/mof/models/OLMo-7B.yml --json
    """
    from ..measures import classify_file

    licenses, schema = _mof_refs(licenses, schema, data)
    r = classify_file(file, licenses=licenses, schema=schema)
    for w in r.warnings:
        err_console.print(f"warning: {file}: {w}", markup=False)
    if json:
        typer.echo(dumps(r.to_dict()))
        return
    import pandas as pd

    df = pd.DataFrame([{**c.to_dict(), "license": c.license or "", "from": c.license_source or "",
                        "optional": "yes" if c.optional else ""} for c in r.components])
    _table(df, f"{r.name}: {r.label}  (progress III {r.progress['3']:.1f}%, II {r.progress['2']:.1f}%, "
               f"I {r.progress['1']:.1f}%)" + ("; research paper stands in for the technical report"
                                               if r.substituted else ""))


@measures_app.command("exempt")
def exempt_cmd(
    paths: Annotated[list[Path] | None, typer.Argument(help="data folders or files (FMTI, MOF, EOSAI); "
                                                       "default: --data")] = None,
    theta: Annotated[float, typer.Option(help="threshold θ to mark, in [0, 1]")] = 0.6,
    alpha0: Annotated[float, typer.Option(help="α0 of the game landscape drawn above")] = 0.2,
    out: OutDir = default_out("measures-exempt"),
    data: Data = None,
) -> None:
    """Place real models on the game's θ axis: which models a threshold exempts (figure, NetCDF, CSV).

    Example: moatlab measures exempt ../shared/data --theta 0.6 --out out/
    """
    from ..game.landscape import landscape
    from ..measures import exempt_at, exemptions, openness_table
    from ..plots.measures import plot_scores, plot_theta_axis

    if not 0.0 <= theta <= 1.0:
        fail(f"--theta = {theta:g} is not allowed: must be in [0, 1]")
    import numpy as np

    cat, profiles = _profiles(paths or [_path(None, data)], option="PATH" if paths else _data_option(data))
    table = openness_table(profiles, lists=cat.lists)
    ex = exemptions(table)
    ls = landscape(np.linspace(0, 1, 101), np.linspace(0, 0.5, 101), alpha0=alpha0)
    with atomic_dir(out) as tmp:
        table.to_csv(tmp / "models.csv", index=False)
        ex.to_netcdf(tmp / "exemptions.nc")
        plot_theta_axis(table, ex, ls, theta).savefig(tmp / "theta_axis.png", dpi=120)
        plot_scores(table).savefig(tmp / "scores.png", dpi=120)
    hit = exempt_at(table, theta)
    typer.echo(f"at θ = {theta:g}: " + ", ".join(
        f"{d} {int((hit['dataset'] == d).sum())}/{int(ex['scored'].sel(dataset=d))}"
        for d in ex["dataset"].values) + " models exempt")
    typer.echo(f"wrote {out}/models.csv, exemptions.nc, theta_axis.png, scores.png")
    raise typer.Exit(_report_errors(cat.errors))


@measures_app.command("compare")
def compare_cmd(
    model: Annotated[str | None, typer.Argument(help="a model name (any data set's spelling, e.g. BLOOMZ, "
                                                "'Llama 3.1', Mistral-7B-v0.1); default: every model")]
    = None,
    definition: Annotated[list[str] | None, typer.Option(
        "--definition", "-d", help="definitions to apply (repeatable; default: all named ones)")] = None,
    long: Annotated[bool, typer.Option("--long", help="one row per record and definition, with reasons "
                                       "and evidence (the default with --json)")] = False,
    json: Json = False, csv: Csv = False, data: Data = None, compute: Compute = None,
    fmti_version: Annotated[str, typer.Option(
        "--fmti-version", help="FMTI release whose transparency score is shown beside the verdicts: "
                               "'latest' or a version such as 2024-05")] = "latest",
) -> None:
    """One model's verdicts under every definition and data set, side by side.

    EOSAI index and archive, MOF and FMTI records are linked by one identity per model (see
    `moatlab measures identities`); --long / --json add the reasons and the evidence. The columns
    fmti_* give the FMTI release's transparency score tied to each record: through the flagship the
    FMTI scored, or through the developer where the release names no flagship.

    Example: moatlab measures compare BLOOMZ --long
    """
    from ..measures import DEFINITIONS, get_definition
    from ..measures.eu import compute_table
    from ..measures.identity import compare, flagship_table, side_by_side
    from ..measures.orgs import alias_table

    defs = [get_definition(d).name for d in (definition or list(DEFINITIONS))]
    table = compute_table(compute) if compute is not None else None
    root = _path(None, data)
    cat, _ = _profiles([root], option=_data_option(data))
    profiles = cat.profiles(("eosai", "eosai-archive", "mof", "fmti"), fmti_version=None)
    df = compare(profiles, model, defs, cat.lists, table, fmti_version=fmti_version,
                 flagships=flagship_table(root), aliases=alias_table(root))
    if model is not None and df.empty:
        fail(f"MODEL = {model!r} is not allowed: no record of any data set has this name or its family")
    out = df if (long or json) else side_by_side(df)
    _emit(out, out.to_dict(orient="records"), json, csv,
          f"{model or 'all models'}: verdicts side by side ({df['record'].nunique()} records)")
    raise typer.Exit(_report_errors(cat.errors))


@measures_app.command("identities")
def identities_cmd(
    json: Json = False, csv: Csv = False, data: Data = None,
    ambiguous: Annotated[bool, typer.Option("--ambiguous", help="only the ambiguous matches")] = False,
    fmti_version: Annotated[str | None, typer.Option(
        "--fmti-version", help="instead, one FMTI release ('latest' or a version such as 2024-05): the "
                               "model each developer was scored on and what it links to")] = None,
) -> None:
    """The identity table: which EOSAI, MOF and FMTI records are one model, by which matching rule.

    Example: moatlab measures identities --csv > identities.csv
    Example: moatlab measures identities --fmti-version latest
    """
    from ..measures.identity import flagship_table, fmti_links, identities
    from ..measures.orgs import alias_table

    root = _path(None, data)
    cat, _ = _profiles([root], option=_data_option(data))
    profiles = cat.profiles(("eosai", "eosai-archive", "mof", "fmti"), fmti_version=None)
    flags = flagship_table(root)
    t = identities(profiles, flags)
    if fmti_version is not None:
        f = fmti_links(profiles, fmti_version, flags, t, alias_table(root))
        if ambiguous:
            f = f[f["status"] == "ambiguous"]
        counts = f["status"].value_counts()
        view = f if csv else f.drop(columns=["source"])  # the table on screen: source in --json/--csv
        _emit(view, f.to_dict(orient="records"), json, csv,
              f"FMTI {', '.join(sorted(set(f['version']))) or fmti_version}: " + ", ".join(
                  f"{int(counts.get(k, 0))} {k}" for k in ("linked", "ambiguous", "unlinked")))
        raise typer.Exit(_report_errors(cat.errors))
    if ambiguous:
        t = t[t["rule"] == "ambiguous"]
    _emit(t, t.to_dict(orient="records"), json, csv, f"identities ({t['identity'].nunique()} models)")
    raise typer.Exit(_report_errors(cat.errors))
