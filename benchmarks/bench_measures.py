"""Benchmark: load and classify every MOF model, every FMTI release and every EOSAI project.

Baseline, timed in the same run: the straightforward script a user would write for MOF, which
re-reads the licence lists and validates with ``jsonschema.validate`` (schema re-checked and a
validator built per file) for each model. The last line prints the speed-up ratio.

Usage: python benchmarks/bench_measures.py [DATA_DIR]   (default ../shared/data)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import jsonschema
import yaml

from moatlab.measures import load_eosai, load_fmti, load_mof
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
    n_mof = len(load_mof(root).items)
    n_fmti = len(load_fmti(root).items)
    n_eosai = len(load_eosai(root).items)
    t_mof = best_of(lambda: load_mof(root))
    t_fmti = best_of(lambda: load_fmti(root))
    t_eosai = best_of(lambda: load_eosai(root))
    t_base = best_of(lambda: baseline_mof(root / "mof"), repeat=1)
    print(f"MOF:   {n_mof} models classified in {t_mof:.3f} s ({t_mof / n_mof * 1e3:.2f} ms/model)")
    print(f"FMTI:  {n_fmti} releases in {t_fmti:.3f} s")
    print(f"EOSAI: {n_eosai} projects in {t_eosai:.3f} s")
    print(f"all three data sets: {t_mof + t_fmti + t_eosai:.3f} s (target: well under a few seconds)")
    print(f"baseline MOF (per-file lists and jsonschema.validate): {t_base:.3f} s")
    print(f"speedup: {t_base / t_mof:.1f}")


if __name__ == "__main__":
    main()
