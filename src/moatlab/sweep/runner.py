"""Run a sweep in chunks, in-process or on a Dask cluster, writing each chunk as it finishes.

On disk a sweep is a folder::

    DIR/sweep.json                 the specification (a resumed sweep must match it)
    DIR/chunks/chunk-000000.nc     one NetCDF file per finished chunk (written atomically)

so a long sweep never holds all results in memory, and a crashed one resumes from the chunks
that are there. :func:`open_sweep` joins the chunks into one ``xarray.Dataset`` (lazily, with
Dask, when it is installed). A chunk holds at most ``chunk_size`` points (grids whose slabs would
be larger are cut into blocks; ``sweep.json`` then records their counts per axis as ``blocks``).

A damaged folder (``sweep.json`` that is not the manifest, a chunk file that is not NetCDF) and
sizes past the budgets of :mod:`moatlab._limits` raise :class:`SweepError` / ``LimitError`` with one
line naming the file; nothing is computed or written before these checks.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import math
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .. import _limits
from ..errors import MoatlabError, ParameterError, fmt_value
from .spec import SweepSpec, chunk_values, grid_slices

VERSION = 1
Progress = Callable[[int], None]


class SweepError(MoatlabError, ValueError):
    """A sweep cannot run as asked (output folder, resume mismatch, damaged files): one line."""


class SweepOptionError(SweepError, ParameterError):
    """A run option (``workers``, ``scheduler``) is not allowed: ``<name> = <value> … must be …``."""


def check_work(spec: SweepSpec, max_points: int | None = None) -> None:
    """Refuse a sweep past the point and chunk budgets (before anything is allocated or written).

    ``max_points`` replaces the ``sweep_points`` cap (the CLI's ``--max-points``).
    """
    if max_points is not None and (isinstance(max_points, bool) or not isinstance(max_points, int)
                                   or max_points < 1):
        raise SweepOptionError("max_points", max_points, "an integer >= 1")
    what = "sweep points (the grid's product)" if spec.design == "grid" else "samples"
    _limits.check("sweep_points", spec.size, what, option="--max-points", override=max_points)
    spec.chunks()  # checks the number of chunks


def compute_chunk(spec: SweepSpec, start: int, stop: int) -> xr.Dataset:
    """Evaluate chunk ``start:stop`` (along the first dimension) and return it as a Dataset."""
    vals, rows = chunk_values(spec, start, stop)
    res = spec.model.evaluate(vals, rows, spec.seed)
    outcomes = spec.outcomes
    desc = spec.model.outcomes
    if spec.design == "grid":
        dims = spec.grid_dims
        cut = grid_slices(spec, start, stop)
        coords = {n: np.asarray(spec.space[n].values)[s] for n, s in zip(dims, cut, strict=True)}
        shape = tuple(coords[n].size for n in dims)
        data = {o: (dims, np.asarray(res[o]).reshape(shape), {"long_name": desc[o]}) for o in outcomes}
    else:
        dims = ("sample",)
        coords = {"sample": rows}
        data = {n: (dims, vals[n], {"long_name": f"parameter {n}"}) for n in spec.space.uncertain}
        data.update({o: (dims, np.asarray(res[o]), {"long_name": desc[o]}) for o in outcomes})
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update({f"fixed_{k}": v for k, v in spec.space.fixed.items()})
    ds.attrs.update(model=spec.model.name, design=spec.design, seed=spec.seed)
    return ds


def _chunk_path(out: Path, i: int) -> Path:
    return out / "chunks" / f"chunk-{i:06d}.nc"


def _write_chunk(out: Path, i: int, ds: xr.Dataset) -> None:
    path = _chunk_path(out, i)
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    ds.to_netcdf(tmp, engine="scipy")
    os.replace(tmp, path)  # atomic: a chunk file is there whole or not at all


def read_manifest(out: str | os.PathLike) -> dict[str, Any]:
    """The manifest ``sweep.json`` of sweep folder ``out``, checked: any damage is one line naming it."""
    path = Path(out)
    manifest = path / "sweep.json"
    if not path.is_dir():
        what = "no such folder" if not path.exists() else "a file, not a folder"
        raise SweepError(f"{path}: {what}: must be a sweep folder (with sweep.json)")
    if not manifest.is_file():
        raise SweepError(f"{path}: not a sweep folder (no sweep.json)")
    try:
        with open(manifest, "rb") as fh:
            raw = fh.read(16 * 1024 * 1024 + 1)
        if len(raw) > 16 * 1024 * 1024:
            raise ValueError("larger than 16 MB")
        meta = json.loads(raw.decode("utf-8"))
    except OSError as e:
        raise SweepError(f"{manifest}: cannot be read ({e.strerror or type(e).__name__})") from None
    except (ValueError, RecursionError) as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        problem = " ".join(str(e).split())[:120] if not isinstance(e, RecursionError) else "nested too deep"
        raise SweepError(f"{manifest}: not a sweep manifest ({problem})") from None
    bad = _manifest_problem(meta)
    if bad:
        raise SweepError(f"{manifest}: not a sweep manifest ({bad})")
    _limits.check("sweep_chunks", meta["chunks"], f"{manifest}: chunks")
    return meta


def _manifest_problem(meta: Any) -> str:
    if not isinstance(meta, dict):
        return f"a JSON object is expected, not {type(meta).__name__}"
    for key, kind in (("spec", dict), ("chunks", int), ("shape", list), ("dims", list)):
        if key not in meta:
            return f"{key} is missing"
        v = meta[key]
        if isinstance(v, bool) or not isinstance(v, kind):
            return f"{key} = {fmt_value(v)} is not a{'n integer' if kind is int else ' ' + kind.__name__}"
    if meta["chunks"] < 1:
        return f"chunks = {meta['chunks']} is not >= 1"
    if not meta["dims"] or not all(isinstance(d, str) for d in meta["dims"]):
        return "dims is not a list of names"
    blocks = meta.get("blocks")
    if blocks is not None and not (
        isinstance(blocks, list)
        and all(isinstance(b, int) and not isinstance(b, bool) and b >= 1 for b in blocks)
        and len(blocks) <= len(meta["dims"])
        and math.prod(blocks) == meta["chunks"]
    ):
        return "blocks does not match chunks and dims"
    return ""


def _check_chunk(path: Path) -> None:
    """Refuse a chunk file that is not a readable NetCDF file (names it; the others are kept)."""
    try:
        with xr.open_dataset(path, engine="scipy") as ds:
            ds.sizes  # noqa: B018 - reading the header is the check
    except Exception as e:  # noqa: BLE001 - any failure to read means the same thing to the user
        problem = " ".join(str(e).split())[:100] or type(e).__name__
        raise SweepError(
            f"{path}: not a readable chunk ({problem}): delete it, then --resume recomputes it"
        ) from None


def _prepare(spec: SweepSpec, out: Path, resume: bool) -> list[int]:
    """Create or check the output folder; return the indices of chunks still to run."""
    manifest = out / "sweep.json"
    n = len(spec.chunks())
    if out.exists() and not out.is_dir():
        raise SweepError(f"out = '{out}' is not allowed: must be a folder (a file of that name exists)")
    if manifest.exists():
        if not resume:
            raise SweepError(
                f"out = '{out}' already holds a sweep: resume it (--resume) or choose another folder"
            )
        meta = read_manifest(out)
        old = meta["spec"]
        new = json.loads(spec.fingerprint())
        if old != new:
            diff = next(k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k))
            raise SweepError(
                f"{diff} = {new.get(diff)!r} is not allowed: must match the sweep in "
                f"'{out}' ({old.get(diff)!r}) to resume it"
            )
        if meta["chunks"] != n or meta.get("blocks") != _blocks(spec):
            raise SweepError(
                f"{manifest}: its chunk layout ({meta['chunks']} chunks) differs from this version's "
                f"({n}): rerun the sweep into a new folder"
            )
        for stale in (out / "chunks").glob("*.tmp-*"):
            stale.unlink()
        for i in range(n):
            if _chunk_path(out, i).exists():
                _check_chunk(_chunk_path(out, i))
    else:
        if out.exists() and any(out.iterdir()):
            raise SweepError(f"out = '{out}' is not allowed: must be a new or empty folder")
        try:
            (out / "chunks").mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise SweepError(
                f"out = '{out}' is not allowed: must be a writable folder ({e.strerror})"
            ) from None
        payload = {
            "version": VERSION,
            "spec": json.loads(spec.fingerprint()),
            "chunks": n,
            "shape": list(spec.shape),
            "dims": list(spec.grid_dims) or ["sample"],
        }
        if _blocks(spec) is not None:
            payload["blocks"] = _blocks(spec)
        tmp = manifest.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(payload, indent=1))
        os.replace(tmp, manifest)
    return [i for i in range(n) if not _chunk_path(out, i).exists()]


def _blocks(spec: SweepSpec) -> list[int] | None:
    """Chunk counts per axis for a grid cut into blocks (``None`` for slabs and row ranges)."""
    return spec.blocks() if spec.layout()[0] > 0 else None


_ADDRESS = re.compile(r"^(?:(tcp|tls|inproc|ucx|ws|wss)://)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.\-]+):(\d{1,5})$")


def check_scheduler(scheduler: str) -> None:
    """Refuse a scheduler address that is not ``[PROTOCOL://]HOST:PORT`` before connecting."""
    m = _ADDRESS.match(scheduler) if isinstance(scheduler, str) else None
    if not m or not 1 <= int(m.group(3)) <= 65535:
        raise SweepOptionError(
            "scheduler", scheduler, "a Dask scheduler address [PROTOCOL://]HOST:PORT, e.g. tcp://10.0.0.5:8786"
        )


@contextlib.contextmanager
def _client(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise SweepError("workers/scheduler need Dask: pip install 'moatlab[distributed]'") from None
    if scheduler:
        check_scheduler(scheduler)
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as e:
            problem = " ".join(str(e).split())[:120]
            raise SweepOptionError(
                "scheduler", scheduler, f"a reachable Dask scheduler address ({problem})"
            ) from None
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def run_sweep(
    spec: SweepSpec,
    out: str | os.PathLike | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    resume: bool = False,
    progress: Progress | None = None,
    max_points: int | None = None,
) -> xr.Dataset:
    """Run a sweep chunk by chunk and return its results.

    Parameters
    ----------
    spec : SweepSpec
    out : path, optional
        Folder to write the chunks to as they finish (then the result is read back from it,
        lazily when Dask is installed). Without it, results are gathered in memory.
    workers : int, optional
        Start a Dask ``LocalCluster`` with this many worker processes (``None`` or 1: in-process).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``) whose workers do the work.
    client : distributed.Client, optional
        An existing Dask client (overrides ``workers`` and ``scheduler``).
    resume : bool
        Continue the sweep already in ``out`` (same spec), running only the missing chunks.
    progress : callable, optional
        Called with the number of points each finished chunk covered.
    max_points : int, optional
        Raise the ``sweep_points`` budget (:mod:`moatlab._limits`) for this sweep.

    Returns
    -------
    xarray.Dataset
        Grid designs: one dimension per grid parameter. Sampled designs: dimension ``sample`` with
        the parameter values and outcomes as variables.

    Examples
    --------
    >>> from moatlab.sweep import ParameterSpace, SweepSpec, Uniform, run_sweep
    >>> space = ParameterSpace([Uniform("alpha0", 0.05, 0.5)], ["omega"])
    >>> ds = run_sweep(SweepSpec("game", space, design="sobol", samples=8))
    >>> ds.sizes["sample"]
    8
    """
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise SweepOptionError("workers", workers, "an integer >= 1")
    if workers and workers > 1 and scheduler:
        raise SweepError("workers and scheduler are not allowed together: give one")
    if scheduler:
        check_scheduler(scheduler)
    check_work(spec, max_points)
    chunks = spec.chunks()
    path = Path(out) if out is not None else None
    kept: dict[int, xr.Dataset] = {}

    def done(i: int, ds: xr.Dataset) -> None:
        if path is not None:
            _write_chunk(path, i, ds)
        else:
            kept[i] = ds
        if progress:
            progress(spec.chunk_points(chunks[i]))

    local = client is None and not scheduler and (workers or 1) == 1
    if local:
        ctx: Any = contextlib.nullcontext(None)
    else:  # connect first: an unreachable cluster leaves nothing behind
        ctx = contextlib.nullcontext(client) if client is not None else _client(workers, scheduler)
    with ctx as c:
        todo = _prepare(spec, path, resume) if path is not None else list(range(len(chunks)))
        if progress:  # chunks finished before a resume count as done
            for i in sorted(set(range(len(chunks))) - set(todo)):
                progress(spec.chunk_points(chunks[i]))
        if local:
            for i in todo:
                done(i, compute_chunk(spec, *chunks[i]))
        else:
            _run_dask(c, spec, chunks, todo, done)
    if path is not None:
        return open_sweep(path)
    return _combine([kept[i] for i in range(len(chunks))], list(spec.grid_dims) or ["sample"], _blocks(spec))


def _run_dask(client: Any, spec: SweepSpec, chunks, todo: list[int], done) -> None:
    from distributed import as_completed

    nw = max(1, len(client.scheduler_info().get("workers", {})))
    window = 2 * nw  # bounded: finished chunks are written before more are asked for
    spec_f = client.scatter(spec, broadcast=True, hash=False)  # a fresh key per sweep
    pending = iter(todo)

    index: dict[str, int] = {}

    def submit(i):
        f = client.submit(compute_chunk, spec_f, *chunks[i], pure=False)
        index[f.key] = i
        return f

    ac = as_completed([submit(i) for i in itertools.islice(pending, window)])
    for fut in ac:
        done(index.pop(fut.key), fut.result())
        fut.release()
        nxt = next(pending, None)
        if nxt is not None:
            ac.add(submit(nxt))


_JOIN = {"data_vars": "minimal", "coords": "minimal", "compat": "override", "combine_attrs": "override"}


def _nest(items: list, blocks: list[int]) -> list:
    """Row-major flat list -> nested lists with ``blocks`` entries per level."""
    if len(blocks) == 1:
        return list(items)
    step = math.prod(blocks[1:])
    return [_nest(items[i * step : (i + 1) * step], blocks[1:]) for i in range(blocks[0])]


def _combine(parts: list[xr.Dataset], dims: list[str], blocks: list[int] | None = None) -> xr.Dataset:
    if blocks is not None:
        return xr.combine_nested(_nest(parts, blocks), concat_dim=dims[: len(blocks)], **_JOIN)
    return xr.concat(parts, dim=dims[0], **_JOIN) if len(parts) > 1 else parts[0]


def sweep_status(out: str | os.PathLike) -> dict[str, Any]:
    """The specification and progress of the sweep in folder ``out``."""
    path = Path(out)
    meta = read_manifest(path)
    have = [f for f in (_chunk_path(path, i) for i in range(meta["chunks"])) if f.exists()]
    for f in have:  # a cheap look at each: the magic number and a whole header
        with open(f, "rb") as fh:
            head = fh.read(32)
        if len(head) < 32 or head[:3] not in (b"CDF", b"\x89HD"):
            raise SweepError(f"{f}: not a NetCDF chunk: delete it, then --resume recomputes it")
    return {**meta, "done": len(have)}


def open_sweep(out: str | os.PathLike, *, partial: bool = False) -> xr.Dataset:
    """Open the sweep in folder ``out`` as one Dataset (lazy with Dask, eager without).

    ``partial=True`` opens the finished chunks of an unfinished sweep.
    """
    meta = sweep_status(out)
    files = [_chunk_path(Path(out), i) for i in range(meta["chunks"])]
    have = [f for f in files if f.exists()]
    if len(have) < len(files) and not partial:
        raise SweepError(
            f"out = '{out}' holds {len(have)} of {len(files)} chunks: resume the sweep "
            "(--resume) or open it with partial=True"
        )
    if not have:
        raise SweepError(f"out = '{out}' holds no finished chunk yet")
    blocks = meta.get("blocks")
    if blocks is not None and len(have) < len(files):
        raise SweepError(
            f"out = '{out}' holds {len(have)} of {len(files)} blocks of a grid: a grid cut into blocks "
            "opens only whole (resume it with --resume)"
        )
    for f in have:
        _check_chunk(f)
    dims = meta["dims"]
    try:
        import dask  # noqa: F401
    except ImportError:
        return _combine([xr.load_dataset(f, engine="scipy") for f in have], dims, blocks)
    nested = _nest(have, blocks) if blocks is not None else have
    return xr.open_mfdataset(
        nested,
        combine="nested",
        concat_dim=dims[: len(blocks)] if blocks is not None else dims[0],
        engine="scipy",
        parallel=False,
        **_JOIN,
    )
