"""Workload 6: 20,000 small PNG images (3-8 KB) stored as ``bytes``, read back by ``fetch1`` in random
order, and all at once.

The baseline that matters here is a folder with one file per image (the
target is to read images by ``fetch1`` at least as fast as from files); the raw
driver's ``SELECT ... WHERE id = ?`` is shown too. The PNGs are real PNG files
of random pixels (so they do not compress), written by a tiny encoder here so
that the suite needs no imaging library.

Storing the images is setup, not measured. On MySQL, DataJoint's ``insert()``
would send them all as one statement, larger than the server's
``max_allowed_packet`` (it loses its connection), so its side inserts with
``chunk_size=`` as many images as fit half that packet (``backends.statement_rows``).
"""

from __future__ import annotations

import random
import shutil
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from .backends import Backend, statement_rows
from .cases import Case, within_raw
from .common import Plan, compare
from .raw import RawDB
from .timing import Measurement, fastest, measure

WORKLOAD = "6 images"
DEFINITION = """
image_id : int32
---
png : bytes
"""


def png_bytes(pixels: np.ndarray) -> bytes:
    """Encode a 2-D uint8 array as a grayscale PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    height, width = pixels.shape
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    scanlines = b"".join(b"\x00" + row.tobytes() for row in pixels)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(scanlines, 1)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def make_images(count: int) -> list[bytes]:
    """PNG images between about 3 and 8 KB (random noise of 55-88 pixels square)."""
    rng = np.random.default_rng(6)
    sides = rng.integers(55, 89, count)
    return [png_bytes(rng.integers(0, 256, (s, s), dtype=np.uint8)) for s in sides]


def files_side(folder: Path, images: list[bytes], order: list[int], repeat: int) -> dict[str, Measurement]:
    folder.mkdir(parents=True)
    try:
        for i, image in enumerate(images):
            (folder / f"{i}.png").write_bytes(image)
        paths = [folder / f"{i}.png" for i in range(len(images))]
        shuffled = [paths[i] for i in order]
        return {
            "fetch1": measure(
                lambda: [p.read_bytes() for p in shuffled], repeat=repeat, items=len(order), unit="images"
            ),
            "all": measure(
                lambda: [p.read_bytes() for p in paths], repeat=repeat, items=len(images), unit="images"
            ),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(backend: Backend, plan: Plan) -> list[Case]:
    images = make_images(plan.size(20_000, 1_000))
    order = random.Random(6).sample(range(len(images)), len(images))
    repeat = plan.repeat(3, 2)
    n = len(images)

    def check_one(value: Any) -> None:
        assert bytes(value[0]) == images[order[0]], "fetch1 returned another image"

    def library_side(dj: Any, schema: Any) -> dict[str, Measurement]:
        table = schema(type("Image", (dj.Manual,), {"definition": DEFINITION, "__module__": __name__}))
        rows = [{"image_id": i, "png": image} for i, image in enumerate(images)]
        chunk_size = statement_rows(dj, backend, max(map(len, images)))
        if chunk_size is None:
            table.insert(rows)
        else:
            table.insert(rows, chunk_size=chunk_size)

        def by_key() -> list:
            return [(table & {"image_id": i}).fetch1("png") for i in order]

        return {
            "fetch1": measure(by_key, repeat=repeat, items=n, unit="images", check=check_one),
            "all": measure(lambda: table().to_arrays("png"), repeat=repeat, items=n, unit="images"),
        }

    def raw_side(db: RawDB) -> dict[str, Measurement]:
        table = db.create("image", [("image_id", "int"), ("png", "bytes")], ["image_id"])
        db.executemany(db.insert_sql(table, 2), list(enumerate(images)))
        one = f"SELECT png FROM {table} WHERE image_id = {db.marker}"
        every = f"SELECT image_id, png FROM {table}"

        def by_key(binary: bool) -> list:
            return [db.fetchone(one, (i,), binary=binary)[0] for i in order]  # type: ignore[index]

        def in_each_format(read: Any, check: Any = None) -> Measurement:
            """``read(binary)`` timed in each result format the driver offers; the faster kept."""
            unit = {"repeat": repeat, "items": n, "unit": "images", "check": check}
            return fastest(
                {name: measure(lambda b=b: read(b), **unit) for name, b in db.result_formats.items()}
            )

        return {
            "fetch1": in_each_format(by_key, check_one),
            "all": in_each_format(lambda binary: db.fetchall(every, binary=binary)),
        }

    names = {"fetch1": f"fetch1 x {n:,} PNGs in random order", "all": f"all {n:,} PNGs at once"}
    cases = compare(backend, WORKLOAD, names, library_side, raw_side)
    for key, measured in files_side(backend.folder / backend.unique("files"), images, order, repeat).items():
        cases[key].sides["files"] = measured
    cases["fetch1"].judge(
        ">= files rate", lambda case: None if case.ratio("files") is None else case.ratio("files") <= 1
    )
    cases["all"].judge("<=1.5x raw", within_raw(1.5))
    return list(cases.values())
