"""Run the benchmark suite: ``.venv/bin/python benchmarks/run.py [--backend ...] [--quick] ...``.

See benchmarks/README.md for the options and what each workload measures.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.suite.runner import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
