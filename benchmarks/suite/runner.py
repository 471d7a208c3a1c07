"""The command line: choose backends, size and workloads; print the tables; write JSON and RESULTS.md."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

from . import WORKLOADS
from .backends import BACKENDS, Backend
from .cases import Case
from .common import Plan
from .report import as_json, machine, results_markdown, text_table, write_json
from .timing import failure

HERE = Path(__file__).resolve().parent.parent


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python benchmarks/run.py", description=__doc__)
    parser.add_argument("--backend", choices=[*BACKENDS, "all"], default="sqlite")
    parser.add_argument("--quick", action="store_true", help="small sizes: the whole run in under a minute")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write all results as JSON to PATH")
    parser.add_argument(
        "--only",
        action="append",
        metavar="WORKLOAD",
        help=f"run only this workload (number 1-7 or name: {', '.join(WORKLOADS)}); repeatable",
    )
    parser.add_argument(
        "--write-results", action="store_true", help="regenerate benchmarks/RESULTS.md (and RESULTS.json)"
    )
    parser.add_argument("--no-datajoint", action="store_true", help="leave DataJoint out even if installed")
    return parser.parse_args(argv)


def selected(only: list[str] | None) -> list[str]:
    if not only:
        return list(WORKLOADS)
    names = list(WORKLOADS)
    chosen = []
    for choice in only:
        key = (
            names[int(choice) - 1] if choice.isdigit() and 1 <= int(choice) <= len(names) else choice.lower()
        )
        if key not in WORKLOADS:
            raise SystemExit(f"unknown workload {choice!r}: choose 1-7 or one of {', '.join(names)}")
        chosen.append(key)
    return chosen


def server_version(backend: Backend) -> str:
    """The server's own version string (or why it could not be read)."""
    try:
        db = backend.raw("version")
    except Exception as error:
        return f"unreachable: {failure(error).error}"
    try:
        row = db.fetchone("SELECT version()")
        return str(row[0]) if row else "unknown"
    finally:
        db.close()


def run_backend(backend: Backend, plan: Plan, workloads: list[str]) -> list[Case]:
    cases: list[Case] = []
    for name in workloads:
        module = WORKLOADS[name]
        start = time.perf_counter()
        print(f"[{backend.name}] workload {module.WORKLOAD} ...", file=sys.stderr, flush=True)
        try:
            found = module.run(backend, plan)
        except Exception as error:  # a workload's own bug must not lose the other workloads' results
            found = [Case(module.WORKLOAD, "(workload failed)", {"joinery": failure(error)})]
        print(f"[{backend.name}]   done in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
        cases += found
    return cases


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    plan = Plan(quick=args.quick)
    workloads = selected(args.only)
    names = list(BACKENDS) if args.backend == "all" else [args.backend]
    results: dict[str, list[Case]] = {}
    servers: dict[str, str] = {}
    warnings.filterwarnings("ignore", module="datajoint")
    with tempfile.TemporaryDirectory(prefix="joinery-bench-") as tmp:
        for name in names:
            backend = Backend(name, Path(tmp), with_datajoint=not args.no_datajoint)
            if backend.is_server:
                servers[name] = server_version(backend)
            results[name] = run_backend(backend, plan, workloads)
            size = "quick" if plan.quick else "full"
            print(f"\n== {name} ({size} size) ==\n{text_table(results[name])}\n", flush=True)
    info = machine()
    document = as_json(info, results, servers)
    document["quick"] = plan.quick
    if args.json:
        write_json(args.json, document)
    if args.write_results:
        command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
        (HERE / "RESULTS.md").write_text(results_markdown(info, results, servers, command.strip()))
        write_json(HERE / "RESULTS.json", document)
    return 0
