"""Printing results as a table, writing them as JSON, and regenerating ``benchmarks/RESULTS.md``.

A side's cell shows its throughput at the median time, the median itself and
the spread (min to max, as +/- percent of the median). Ratios are joinery's
median time over the other side's: below 1.00 joinery is faster.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import platform
import sqlite3
from pathlib import Path
from typing import Any

from .cases import SIDES, Case
from .timing import Measurement

LIBRARIES = ("joinery", "datajoint", "numpy", "pandas", "psycopg", "psycopg2", "pymysql")


def rate_text(m: Measurement) -> str:
    rate = m.rate
    for factor, suffix in ((1e6, "M"), (1e3, "k")):
        if rate >= factor:
            return f"{rate / factor:.3g}{suffix} {m.unit}/s"
    return f"{rate:.3g} {m.unit}/s"


def time_text(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} us"


def cell(m: Measurement | None) -> str:
    if m is None:
        return ""
    if not m.ok:
        return "FAILED (see notes)"
    spread = (max(m.times) - min(m.times)) / 2 / m.median * 100 if m.median else 0.0
    return f"{rate_text(m)}, {time_text(m.median)} ±{spread:.0f}%"


def ratio_text(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def verdict(case: Case) -> str:
    if not case.target:
        return ""
    mark = {True: "met", False: "MISSED", None: "n/a"}[case.met]
    return f"{case.target}: {mark}"


def used_sides(cases: list[Case]) -> list[str]:
    return [side for side in SIDES if any(side in case.sides for case in cases)]


def rows(cases: list[Case]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the results table for one backend."""
    sides = used_sides(cases)
    ratios = [side for side in sides if side != "joinery"]
    header = ["workload", "case", *sides, *(f"joinery/{side}" for side in ratios), "target"]
    body = []
    for case in cases:
        extra = ", ".join(f"{k} {v:.2f}" for k, v in case.derived.items())
        name = f"{case.name} ({extra})" if extra else case.name
        body.append(
            [
                case.workload,
                name,
                *(cell(case.sides.get(side)) for side in sides),
                *(ratio_text(case.ratio(side)) for side in ratios),
                verdict(case),
            ]
        )
    return header, body


def failures(cases: list[Case]) -> list[str]:
    return [
        f"{case.workload} / {case.name} / {side}: {m.error}"
        for case in cases
        for side, m in case.sides.items()
        if not m.ok
    ]


def text_table(cases: list[Case]) -> str:
    header, body = rows(cases)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True))
        for row in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    notes = failures(cases)
    return "\n".join(lines + ([""] + notes if notes else []))


def markdown_table(cases: list[Case]) -> str:
    header, body = rows(cases)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(value.replace("|", "/") for value in row) + " |" for row in body]
    notes = failures(cases)
    if notes:
        lines += ["", "Failed sides:", ""] + [f"- {note}" for note in notes]
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    """Date, hardware, OS, Python and library versions of this run."""
    info: dict[str, Any] = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": _ram_gb(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()]
        if hasattr(os, "getloadavg")
        else None,
    }
    for name in LIBRARIES:
        try:
            module = importlib.import_module(name)
            info[name] = str(getattr(module, "__version__", "installed"))
        except Exception:
            info[name] = "not installed"
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def as_json(info: dict[str, Any], results: dict[str, list[Case]], servers: dict[str, str]) -> dict[str, Any]:
    return {
        "machine": info,
        "servers": servers,
        "backends": {name: [case.as_dict() for case in cases] for name, cases in results.items()},
    }


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=1, default=str) + "\n")


def results_markdown(
    info: dict[str, Any], results: dict[str, list[Case]], servers: dict[str, str], command: str
) -> str:
    """The text of RESULTS.md: how the run was made, on what, and its tables."""
    versions = ", ".join(f"{name} {info[name]}" for name in ("sqlite", *LIBRARIES))
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `{command}` on {info['date']}. Do not edit by hand: rerun the command.",
        "",
        f"- Hardware: {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM",
        f"- OS: {info['os']}; Python {info['python']}",
        f"- Load average at the end of the run (1, 5, 15 min): {info['load_average_1_5_15_min']}"
        " (other work on the machine inflates the spread and hurts workload 7)",
        f"- Versions: {versions}",
    ]
    lines += [f"- {name} server: {version}" for name, version in servers.items()]
    lines += [
        "",
        "Cells: throughput at the median time, the median time, ± half the min-max spread.",
        "Ratios: joinery's median time / the other side's (below 1.00 joinery is faster).",
        "See README.md in this folder for what each workload measures.",
    ]
    for name, cases in results.items():
        lines += ["", f"## {name}", "", markdown_table(cases)]
    return "\n".join(lines) + "\n"
