"""The main job: run every protocol script and every figure panel, then summarise (top layer).

The protocol scripts (:data:`neurolab_snn.gallery.scripts.SCRIPTS`) and the
figure panels (:mod:`neurolab_snn.gallery.panels`) are part of the installed
package; ``protocols/`` and ``figures/`` in the source tree are thin scripts
calling them. Outputs go to ``<out>/protocols`` and ``<out>/figures``; ``<out>/summary.json``
and ``<out>/INDEX.md`` list what was made.
"""
from __future__ import annotations

import time
from pathlib import Path

from tqdm.contrib.logging import logging_redirect_tqdm

from .. import console
from ..files import atomic_path, write_json


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_format(v) for v in value[:4]) + (", ...]" if len(value) > 4 else "]")
    if hasattr(value, "item"):
        return _format(value.item())
    return str(value)


def _flatten(numbers: dict, prefix: str = "") -> list[tuple[str, str]]:
    rows = []
    for key, value in numbers.items():
        if isinstance(value, dict):
            rows += _flatten(value, f"{prefix}{key}.")
        else:
            rows.append((f"{prefix}{key}", _format(value)))
    return rows


def run_gallery(out_dir, quick: bool = False, only=None) -> dict:
    """Run protocol scripts and figure panels; print a summary table; return all numbers."""
    from .index import index_markdown, panel_names
    from .scripts import SCRIPTS

    out_dir = Path(out_dir)
    flag = ["--quick"] if quick else []
    summary, timings = {}, {}
    jobs = [("protocol", s) for s in SCRIPTS] + [("panel", p) for p in panel_names()]
    if only:
        known = {name for _, name in jobs}
        unknown = sorted(set(only) - known)
        if unknown:
            raise ValueError(f"--only {' '.join(unknown)}: unknown panel or protocol script; "
                             f"expected names among {sorted(known)}")
        jobs = [(kind, name) for kind, name in jobs if name in only]
    with console.progress(jobs, desc="figures", unit="job") as bar, \
            logging_redirect_tqdm(loggers=[console.logger]):
        for kind, name in bar:
            _run_job(kind, name, bar, out_dir, quick, flag, summary, timings)
    write_json(out_dir / "summary.json", {"quick": quick, "numbers": summary,
                                          "wall_time_s": timings})
    with atomic_path(out_dir / "INDEX.md") as tmp:
        tmp.write_text("# Figure panels\n\n" + index_markdown())
    print_summary(summary, timings)
    return summary


#: top-level module -> the extra of setup.cfg that installs it (optional dependencies)
OPTIONAL_MODULES = {"efel": "data", "pynwb": "data", "nixio": "data", "dask": "dask",
                    "distributed": "dask", "pandas": "dask", "pyarrow": "dask", "bokeh": "dask"}


def _run_job(kind, name, bar, out_dir, quick, flag, summary, timings) -> None:
    """Run one protocol script or panel; store its numbers and wall time.

    A job that needs an optional dependency which is not installed is skipped with
    one warning naming the extra that installs it; its summary entry says so.
    """
    from .index import load_panel
    from .scripts import script_main

    start = time.perf_counter()
    bar.set_postfix_str(name)
    console.logger.info("[%s] %s ...", kind, name)
    try:
        if kind == "protocol":
            numbers = script_main(name, ["--out", str(out_dir / "protocols"), *flag],
                                  echo=False)["numbers"]
        else:
            numbers = load_panel(name).make_panel(out_dir / "figures", quick=quick)
    except ModuleNotFoundError as err:
        extra = OPTIONAL_MODULES.get((err.name or "").split(".")[0])
        if extra is None:
            raise
        numbers = {"skipped": f"needs {err.name} (pip install 'neurolab_snn[{extra}]')"}
        console.logger.warning("[%s] %s skipped: %s", kind, name, numbers["skipped"])
    summary[f"{kind}:{name}"] = numbers
    timings[f"{kind}:{name}"] = round(time.perf_counter() - start, 2)
    console.logger.info("[%s] %s done (%.1f s)", kind, name, timings[f"{kind}:{name}"])


def print_summary(summary: dict, timings: dict, width: int = 110) -> None:
    """One line per job: its first key numbers and its wall time."""
    print("\n" + "=" * width)
    print(f"{'job':30s} {'time':>7s}  key numbers")
    print("-" * width)
    for job, numbers in summary.items():
        text = ", ".join(f"{k}={v}" for k, v in _flatten(numbers)[:4]) or "(no numbers)"
        room = width - 40
        print(f"{job[:30]:30s} {timings[job]:6.1f}s  {text[:room]}")
    print("-" * width)
    print(f"total wall time {sum(timings.values()):.1f} s; all numbers in summary.json")
