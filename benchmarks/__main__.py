"""``python -m benchmarks``: the same as ``python benchmarks/run.py``."""

import sys

from benchmarks.suite.runner import main

sys.exit(main())
