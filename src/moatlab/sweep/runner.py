"""Run a sweep in chunks, in-process or on a Dask cluster, writing each chunk as it finishes.

On disk a sweep is a folder::

    DIR/sweep.json                 the specification (a resumed sweep must match it)
    DIR/chunks/chunk-000000.nc     one NetCDF file per finished chunk (written atomically)

so a long sweep never holds all results in memory, and a crashed one resumes from the chunks
that are there. :func:`open_sweep` joins the chunks into one ``xarray.Dataset`` (lazily, with
Dask, when it is installed).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import MoatlabError
from .spec import SweepSpec, chunk_values

VERSION = 1
Progress = Callable[[int], None]


class SweepError(MoatlabError, ValueError):
    """A sweep cannot run as asked (output folder, resume mismatch, scheduler): one line."""


def compute_chunk(spec: SweepSpec, start: int, stop: int) -> xr.Dataset:
    """Evaluate chunk ``start:stop`` (along the first dimension) and return it as a Dataset."""
    vals, rows = chunk_values(spec, start, stop)
    res = spec.model.evaluate(vals, rows, spec.seed)
    outcomes = spec.outcomes
    desc = spec.model.outcomes
    if spec.design == "grid":
        dims = spec.grid_dims
        shape = (stop - start, *spec.shape[1:])
        coords = {
            n: np.asarray(spec.space[n].values)[start:stop] if i == 0 else np.asarray(spec.space[n].values)
            for i, n in enumerate(dims)
        }
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
        old = json.loads(manifest.read_text())["spec"]
        new = json.loads(spec.fingerprint())
        if old != new:
            diff = next(k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k))
            raise SweepError(
                f"{diff} = {new.get(diff)!r} is not allowed: must match the sweep in "
                f"'{out}' ({old.get(diff)!r}) to resume it"
            )
        for stale in (out / "chunks").glob("*.tmp-*"):
            stale.unlink()
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
        tmp = manifest.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(payload, indent=1))
        os.replace(tmp, manifest)
    return [i for i in range(n) if not _chunk_path(out, i).exists()]


@contextlib.contextmanager
def _client(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise SweepError("workers/scheduler need Dask: pip install 'moatlab[distributed]'") from None
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as e:
            raise SweepError(
                f"scheduler = {scheduler!r} is not allowed: must be a reachable Dask scheduler address ({e})"
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
        raise SweepError(f"workers = {workers!r} is not allowed: must be an integer >= 1")
    if workers and workers > 1 and scheduler:
        raise SweepError("workers and scheduler are not allowed together: give one")
    chunks = spec.chunks()
    per_index = max(1, spec.size // spec.shape[0])
    path = Path(out) if out is not None else None
    kept: dict[int, xr.Dataset] = {}

    def done(i: int, ds: xr.Dataset) -> None:
        if path is not None:
            _write_chunk(path, i, ds)
        else:
            kept[i] = ds
        if progress:
            a, b = chunks[i]
            progress((b - a) * per_index)

    local = client is None and not scheduler and (workers or 1) == 1
    if local:
        ctx: Any = contextlib.nullcontext(None)
    else:  # connect first: an unreachable cluster leaves nothing behind
        ctx = contextlib.nullcontext(client) if client is not None else _client(workers, scheduler)
    with ctx as c:
        todo = _prepare(spec, path, resume) if path is not None else list(range(len(chunks)))
        if progress:  # chunks finished before a resume count as done
            for i in sorted(set(range(len(chunks))) - set(todo)):
                progress((chunks[i][1] - chunks[i][0]) * per_index)
        if local:
            for i in todo:
                done(i, compute_chunk(spec, *chunks[i]))
        else:
            _run_dask(c, spec, chunks, todo, done)
    if path is not None:
        return open_sweep(path)
    return _combine([kept[i] for i in range(len(chunks))], spec.grid_dims[0] if spec.grid_dims else "sample")


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


def _combine(parts: list[xr.Dataset], dim: str) -> xr.Dataset:
    ds = (
        xr.concat(
            parts, dim=dim, data_vars="minimal", coords="minimal", compat="override", combine_attrs="override"
        )
        if len(parts) > 1
        else parts[0]
    )
    return ds


def sweep_status(out: str | os.PathLike) -> dict[str, Any]:
    """The specification and progress of the sweep in folder ``out``."""
    path = Path(out)
    manifest = path / "sweep.json"
    if not manifest.exists():
        raise SweepError(f"out = '{path}' is not allowed: must be a sweep folder (no sweep.json)")
    meta = json.loads(manifest.read_text())
    done = sum(1 for i in range(meta["chunks"]) if _chunk_path(path, i).exists())
    return {**meta, "done": done}


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
    dim = meta["dims"][0]
    try:
        import dask  # noqa: F401

        return xr.open_mfdataset(
            have,
            combine="nested",
            concat_dim=dim,
            engine="scipy",
            data_vars="minimal",
            coords="minimal",
            compat="override",
            combine_attrs="override",
            parallel=False,
        )
    except ImportError:
        return _combine([xr.load_dataset(f, engine="scipy") for f in have], dim)
