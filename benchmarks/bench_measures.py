"""Benchmark: load and classify every MOF model, every FMTI release, both EOSAI formats, the identity
table and the EU rule over every record.

Baselines, timed in the same run:

* MOF: the straightforward script a user would write, which re-reads the licence lists and validates
  with ``jsonschema.validate`` (schema re-checked and a validator built per file) for each model;
* EOSAI index: ``yaml.safe_load`` (PyYAML's pure-Python loader, as a user's script would call it)
  of every file and the index's score, without moatlab's checks (size, depth, aliases, located
  errors); moatlab uses libyaml's loader when installed, hence most of the difference;
* identities: matching every pair of records by family key (what a user's loop would do), against
  moatlab's grouping by key.

Each block prints ours, the baseline and the ratio (baseline / ours; above 1 = ours faster).

Usage: python benchmarks/bench_measures.py [DATA_DIR]   (default ../shared/data, else the packaged data)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import jsonschema
import yaml

from moatlab.measures import check, family_key, identities, load_catalogue, load_eosai, load_fmti, load_mof
from moatlab.measures.eosai_index import load_eosai_index
from moatlab.measures.mof import LicenseLists, _read_lists, _read_schema, _stringify_dates, classify


def baseline_mof(data: Path) -> int:
    n = 0
    schema = json.loads((data / "schema" / "mof_schema.json").read_text())
    for f in sorted((data / "models").glob("*.yml")):
        entries = {}
        for name in ("licenses.json", "mof-licenses.json"):
            for e in json.loads((data / "licenses" / name).read_text())["licenses"]:
                entries[e["licenseId"]] = e
        doc = _stringify_dates(yaml.safe_load(f.read_text()))
        jsonschema.validate(doc, schema)
        classify(doc, LicenseLists(entries))
        n += 1
    return n


def baseline_index(folder: Path) -> int:
    vals = {"open": 1.0, "partial": 0.5, "closed": 0.0}
    params = [p["ref"] for c in yaml.safe_load((folder / "_parameters.yml").read_text()) for p in c["params"]]
    n = 0
    for f in sorted(folder.glob("*.yaml")):
        d = yaml.safe_load(f.read_text())
        if not (d.get("system") or {}).get("name"):
            continue
        sum(vals.get((d.get(p) or {}).get("class") or "", 0.0) for p in params) / len(params)
        n += 1
    return n


def baseline_identities(profiles) -> int:
    keys = [family_key(p.name) for p in profiles]
    links = 0
    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            links += keys[i] == keys[j]
    return links


def best_of(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        _read_lists.cache_clear()
        _read_schema.cache_clear()
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data"
    if not root.is_dir():
        from moatlab.measures import PACKAGED_DATA

        root = PACKAGED_DATA
    n_mof = len(load_mof(root).items)
    n_fmti = len(load_fmti(root).items)
    n_eosai = len(load_eosai(root, format="archive").items)
    t_mof = best_of(lambda: load_mof(root))
    t_fmti = best_of(lambda: load_fmti(root))
    t_eosai = best_of(lambda: load_eosai(root, format="archive"))
    t_base = best_of(lambda: baseline_mof(root / "mof"), repeat=1)
    print(f"MOF:   {n_mof} models classified in {t_mof:.3f} s ({t_mof / n_mof * 1e3:.2f} ms/model)")
    print(f"FMTI:  {n_fmti} releases in {t_fmti:.3f} s")
    print(f"EOSAI: {n_eosai} projects in {t_eosai:.3f} s")
    print(f"all three data sets: {t_mof + t_fmti + t_eosai:.3f} s (target: well under a few seconds)")
    print(f"baseline MOF (per-file lists and jsonschema.validate): {t_base:.3f} s")
    print(f"speedup: {t_base / t_mof:.1f}")

    index = root / "eosai-index"
    n_idx = len(load_eosai_index(index).items)
    t_idx = best_of(lambda: load_eosai_index(index))
    t_idx_base = best_of(lambda: baseline_index(index))
    print(f"EOSAI index: {n_idx} models in {t_idx:.3f} s; baseline (bare yaml.safe_load): "
          f"{t_idx_base:.3f} s; ratio {t_idx_base / t_idx:.2f}")

    cat = load_catalogue(root)
    profs = cat.profiles(("eosai", "eosai-archive", "mof", "fmti"), fmti_version=None)
    t_ids = best_of(lambda: identities(profs))
    t_ids_base = best_of(lambda: baseline_identities(profs), repeat=1)
    print(f"identities: {len(profs)} records in {t_ids:.3f} s; baseline (all pairs): {t_ids_base:.3f} s; "
          f"ratio {t_ids_base / t_ids:.1f}")
    t_eu = best_of(lambda: check("eu-ai-act-open-source", profs, cat.lists))
    print(f"EU rule with identities on {len(profs)} records: {t_eu:.3f} s "
          f"({t_eu / len(profs) * 1e3:.2f} ms/record)")


if __name__ == "__main__":
    main()
