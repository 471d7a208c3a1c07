"""The first thing to run: ``python -m joinery.demo [--output DIR]``.

Layer: a user of the public API, like a tutorial (it imports ``joinery`` and
nothing internal). It runs the fractal pipeline of the first tutorial on the
embedded default (an SQLite file in the output folder, no server): declares the
tables, inserts four fractal specs, populates the images and their denoised
versions, adds a fifth spec to show that populate computes only what is
missing, prints every table and populate summary, and writes the images (PNG
when matplotlib is installed, else ``.npy``) and the pipeline diagram (SVG and
Mermaid) to files it names.

It needs only joinery's core dependencies: the three denoising methods of the
tutorial (gaussian, median, total variation) are written here with numpy.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

SCHEMA_NAME = "demo_fractal"
SPECS = [
    {"spec_id": 0, "c_real": -0.4, "c_imag": 0.6},
    {"spec_id": 1, "c_real": -0.74543, "c_imag": 0.11301},
    {"spec_id": 2, "c_real": -0.1, "c_imag": 0.651},
    {"spec_id": 3, "c_real": -0.835, "c_imag": -0.2321},
]
NEW_SPEC = {"spec_id": 4, "c_real": -0.7, "c_imag": 0.27}


# -- the image computations (numpy only) -----------------------------------------------------------


def julia(c: complex, size: int = 256, iters: int = 256) -> np.ndarray:
    """How many iterations of ``z**2 + c`` each point of [-1, 1]^2 stays bounded: a Julia set."""
    axis = np.linspace(-1, 1, size)
    z = axis[np.newaxis, :] + 1j * axis[:, np.newaxis]
    img = np.zeros(z.shape)
    mask = np.ones(z.shape, dtype=bool)
    for _ in range(iters):
        z[mask] = z[mask] ** 2 + c
        mask = np.abs(z) < 2
        img += mask
    return img


def gaussian(img: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur, separable, edges mirrored; the kernel reaches 4 sigma (rounded)."""
    radius = max(1, int(4 * sigma + 0.5))
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    kernel /= kernel.sum()
    result = np.asarray(img, dtype=np.float64)
    for axis in (0, 1):
        padded = np.pad(result, [(radius, radius) if a == axis else (0, 0) for a in (0, 1)], mode="symmetric")
        length = result.shape[axis]
        # one vectorised multiply-add per kernel tap, not per pixel
        result = sum(w * np.take(padded, np.arange(i, i + length), axis=axis) for i, w in enumerate(kernel))
    return result


def disk(radius: int) -> np.ndarray:
    """A boolean disk footprint of the given radius."""
    offsets = np.arange(-radius, radius + 1)
    return offsets[:, np.newaxis] ** 2 + offsets[np.newaxis, :] ** 2 <= radius**2


def median(img: np.ndarray, radius: int) -> np.ndarray:
    """Median over a disk around each pixel, edges mirrored."""
    footprint = disk(radius)
    padded = np.pad(np.asarray(img, dtype=np.float64), radius, mode="symmetric")
    windows = sliding_window_view(padded, footprint.shape)
    return np.median(windows[..., footprint], axis=-1)


def total_variation(img: np.ndarray, weight: float, iterations: int = 60) -> np.ndarray:
    """Total-variation denoising by Chambolle's projection algorithm (larger weight: smoother)."""
    f = np.asarray(img, dtype=np.float64)
    px = np.zeros_like(f)
    py = np.zeros_like(f)
    step = 0.125
    for _ in range(iterations):
        u = _divergence(px, py) - f / weight
        gx, gy = _gradient(u)
        norm = 1.0 + step * np.hypot(gx, gy)
        px = (px + step * gx) / norm
        py = (py + step * gy) / norm
    return f - weight * _divergence(px, py)


def _gradient(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    gx = np.zeros_like(u)
    gy = np.zeros_like(u)
    gx[:, :-1] = u[:, 1:] - u[:, :-1]
    gy[:-1, :] = u[1:, :] - u[:-1, :]
    return gx, gy


def _divergence(px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """The negative adjoint of ``_gradient``."""
    div = np.zeros_like(px)
    div[:, 0] = px[:, 0]
    div[:, 1:-1] = px[:, 1:-1] - px[:, :-2]
    div[:, -1] = -px[:, -2]
    div[0, :] += py[0, :]
    div[1:-1, :] += py[1:-1, :] - py[:-2, :]
    div[-1, :] += -py[-2, :]
    return div


DENOISERS: dict[str, Callable[..., np.ndarray]] = {
    "gaussian": gaussian,
    "median": median,
    "tv": total_variation,
}


# -- the pipeline (the tutorial's tables) ----------------------------------------------------------


def declare(schema, size: int) -> dict:
    """Declare the tutorial's four tables in ``schema``; returns them by name."""
    import joinery as dj

    @schema
    class JuliaSpec(dj.Manual):
        """Parameters for generating Julia fractals."""

        definition = """
        spec_id : int16
        ---
        c_real : float64 # Real part of c
        c_imag : float64 # Imaginary part of c
        noise_level = 50 : float64
        """

    @schema
    class JuliaImage(dj.Computed):
        """Generated fractal images with noise."""

        definition = """
        -> JuliaSpec
        ---
        image : <blob> # Generated fractal image
        """

        def make(self, key):
            spec = (JuliaSpec & key).fetch1()
            img = julia(spec["c_real"] + 1j * spec["c_imag"], size=size)
            img += np.random.default_rng(key["spec_id"]).standard_normal(img.shape) * spec["noise_level"]
            self.insert1({**key, "image": img.astype(np.float32)})

    @schema
    class DenoiseMethod(dj.Lookup):
        """Image denoising algorithms."""

        definition = """
        method_id : int16
        ---
        method_name : varchar(20)
        params : <blob>
        """
        contents = [
            [0, "gaussian", {"sigma": 1.8}],
            [1, "median", {"radius": 3}],
            [2, "tv", {"weight": 20.0}],
        ]

    @schema
    class Denoised(dj.Computed):
        """Denoised images: each image x each method."""

        definition = """
        -> JuliaImage
        -> DenoiseMethod
        ---
        denoised : <blob>
        """

        def make(self, key):
            img = (JuliaImage & key).fetch1("image")
            method, params = (DenoiseMethod & key).fetch1("method_name", "params")
            result = DENOISERS[method](img, **params)
            self.insert1({**key, "denoised": result.astype(np.float32)})

    return {
        "JuliaSpec": JuliaSpec,
        "JuliaImage": JuliaImage,
        "DenoiseMethod": DenoiseMethod,
        "Denoised": Denoised,
    }


def _fresh_schema(database: Path):
    """The demo's schema in ``database``, emptied of any earlier run."""
    import joinery as dj

    dj.config["database.path"] = str(database)
    if SCHEMA_NAME in dj.list_schemas():
        dj.Schema(SCHEMA_NAME).drop(prompt=False)
    return dj.Schema(SCHEMA_NAME)


# -- writing the results ---------------------------------------------------------------------------


def save_image(array: np.ndarray, stem: Path) -> Path:
    """``stem.png`` via matplotlib when installed, else ``stem.npy``; returns the file written."""
    try:
        from matplotlib.image import imsave
    except ImportError:
        path = stem.with_suffix(".npy")
        np.save(path, array)
        return path
    path = stem.with_suffix(".png")
    imsave(path, array, cmap="magma")
    return path


def save_overview(rows: list[list[tuple[str, np.ndarray]]], path: Path) -> Path | None:
    """One figure: a row per spec, the noisy image then each method; None without matplotlib."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    figure = Figure(figsize=(2 * len(rows[0]), 2 * len(rows)))
    axes = figure.subplots(len(rows), len(rows[0]), squeeze=False)
    for row_axes, row in zip(axes, rows):
        for ax, (title, image) in zip(row_axes, row):
            ax.imshow(image, cmap="magma")
            ax.set_title(title, fontsize=9)
            ax.axis("off")
    figure.tight_layout()
    figure.savefig(path)
    return path


def write_results(tables: dict, schema, output: Path) -> list[Path]:
    """Every image, an overview and the diagram, under ``output``; returns the files written."""
    import joinery as dj

    images = output / "images"
    images.mkdir(parents=True, exist_ok=True)
    names = dict(zip(*tables["DenoiseMethod"].to_arrays("method_id", "method_name")))
    written, overview = [], []
    for spec_id, original in zip(*tables["JuliaImage"].to_arrays("spec_id", "image", order_by="spec_id")):
        written.append(save_image(original, images / f"spec{spec_id}_original"))
        row = [(f"spec {spec_id}: noisy", original)]
        restricted = tables["Denoised"] & {"spec_id": int(spec_id)}
        for method_id, result in zip(*restricted.to_arrays("method_id", "denoised", order_by="method_id")):
            written.append(save_image(result, images / f"spec{spec_id}_{names[method_id]}"))
            row.append((names[method_id], result))
        overview.append(row)
    figure = save_overview(overview, output / "overview.png")
    written += [figure] if figure is not None else []
    diagram = dj.Diagram(schema)
    for name in ("pipeline.svg", "pipeline.mmd"):
        diagram.save(output / name)
        written.append(output / name)
    return written


# -- the command -----------------------------------------------------------------------------------


def run(output: Path, size: int = 256, say: Callable[[str], None] = print) -> list[Path]:
    """Run the whole demo, writing under ``output``; returns the files written."""
    output.mkdir(parents=True, exist_ok=True)
    database = output / "demo.db"
    say(f"joinery demo: the fractal pipeline of the tutorial, on the SQLite file {database}\n")
    schema = _fresh_schema(database)
    tables = declare(schema, size)
    spec, image, method, denoised = (
        tables[n] for n in ("JuliaSpec", "JuliaImage", "DenoiseMethod", "Denoised")
    )
    spec.insert(SPECS)
    say("JuliaSpec (Manual): the parameters\n" + repr(spec()) + "\n")
    say("DenoiseMethod (Lookup): the methods\n" + repr(method()) + "\n")
    say(f"JuliaImage.populate() -> {image.populate(display_progress=True)}")
    say(f"Denoised.populate()   -> {denoised.populate(display_progress=True)}\n")
    say("JuliaImage (Computed)\n" + repr(image()) + "\n")
    say("Denoised (Computed): every image x every method\n" + repr(denoised()) + "\n")
    say(f"Adding spec 4; populate computes only what is missing:\n  JuliaSpec.insert1({NEW_SPEC})")
    spec.insert1(NEW_SPEC)
    say(f"  JuliaImage.populate() -> {image.populate(display_progress=True)}")
    say(f"  Denoised.populate()   -> {denoised.populate(display_progress=True)}")
    say(f"Rows: JuliaSpec {len(spec())}, JuliaImage {len(image())}, Denoised {len(denoised())}\n")
    written = write_results(tables, schema, output)
    say("Files written:")
    for path in [database, *written]:
        say(f"  {path}")
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m joinery.demo [--output DIR] [--size N]``."""
    parser = argparse.ArgumentParser(prog="python -m joinery.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--output", type=Path, default=Path("demo-output"), help="folder for every file written"
    )
    parser.add_argument("--size", type=int, default=256, help="fractal image size in pixels (default 256)")
    args = parser.parse_args(argv)
    run(args.output.resolve(), size=args.size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
