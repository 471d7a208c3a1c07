"""The benchmark suite: joinery against the raw drivers and DataJoint, one module per workload.

``WORKLOADS`` maps a workload's short name to its module; each module has
``WORKLOAD`` (its label) and ``run(backend, plan) -> list[Case]``.
"""

from __future__ import annotations

from types import ModuleType

from . import w1_insert, w2_fetch, w3_blobs, w4_populate, w5_join, w6_images, w7_workers

WORKLOADS: dict[str, ModuleType] = {
    "insert": w1_insert,
    "fetch": w2_fetch,
    "blobs": w3_blobs,
    "populate": w4_populate,
    "join": w5_join,
    "images": w6_images,
    "workers": w7_workers,
}
