"""Seed tutorial 000, the fractal image pipeline, run as written.

Changes from the tutorial: the import line (``import joinery as dj``), the
database (the ``connection`` fixture's fresh file instead of the default one)
and no matplotlib plotting. Every displayed result is asserted.
"""

from __future__ import annotations

import numpy as np
import pytest

import joinery as dj

pytest.importorskip("skimage", reason="the tutorial denoises with scikit-image")


def julia(c, size=256, center=(0.0, 0.0), zoom=1.0, iters=256):
    """Generate a Julia set image."""
    x, y = np.meshgrid(
        np.linspace(-1, 1, size) / zoom + center[0], np.linspace(-1, 1, size) / zoom + center[1]
    )
    z = x + 1j * y
    img = np.zeros(z.shape)
    mask = np.ones(z.shape, dtype=bool)
    for _ in range(iters):
        z[mask] = z[mask] ** 2 + c
        mask = np.abs(z) < 2
        img += mask
    return img


def test_fractal_tutorial_runs_end_to_end(connection, capsys):
    schema = dj.Schema("tutorial_fractal")

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
            img = julia(spec["c_real"] + 1j * spec["c_imag"])
            img += np.random.randn(*img.shape) * spec["noise_level"]
            self.insert1({**key, "image": img.astype(np.float32)})

    from skimage import filters, restoration
    from skimage.morphology import disk

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
            if method == "gaussian":
                result = filters.gaussian(img, **params)
            elif method == "median":
                result = filters.median(img, disk(params["radius"]))
            elif method == "tv":
                result = restoration.denoise_tv_chambolle(img, **params)
            else:
                raise ValueError(f"Unknown method: {method}")
            self.insert1({**key, "denoised": result.astype(np.float32)})

    # dj.Diagram(schema): the cell displays the pipeline
    diagram = dj.Diagram(schema).make_mermaid()
    for name in ("JuliaSpec", "JuliaImage", "DenoiseMethod", "Denoised"):
        assert name in diagram

    JuliaSpec.insert(
        [
            {"spec_id": 0, "c_real": -0.4, "c_imag": 0.6},
            {"spec_id": 1, "c_real": -0.74543, "c_imag": 0.11301},
            {"spec_id": 2, "c_real": -0.1, "c_imag": 0.651},
            {"spec_id": 3, "c_real": -0.835, "c_imag": -0.2321},
        ]
    )
    assert JuliaSpec().to_dicts() == [
        {"spec_id": 0, "c_real": -0.4, "c_imag": 0.6, "noise_level": 50.0},
        {"spec_id": 1, "c_real": -0.74543, "c_imag": 0.11301, "noise_level": 50.0},
        {"spec_id": 2, "c_real": -0.1, "c_imag": 0.651, "noise_level": 50.0},
        {"spec_id": 3, "c_real": -0.835, "c_imag": -0.2321, "noise_level": 50.0},
    ]
    assert "Total: 4" in repr(JuliaSpec())

    assert JuliaImage.populate(display_progress=True) == {"success_count": 4, "error_list": []}
    assert "JuliaImage: 100%" in capsys.readouterr().err

    rows = list(JuliaImage())
    assert [row["spec_id"] for row in rows] == [0, 1, 2, 3]
    assert all(row["image"].shape == (256, 256) and row["image"].dtype == np.float32 for row in rows)

    assert Denoised.populate(display_progress=True) == {"success_count": 12, "error_list": []}
    assert "Denoised: 100%" in capsys.readouterr().err

    print(f"JuliaImage: {len(JuliaImage())} rows")
    print(f"DenoiseMethod: {len(DenoiseMethod())} rows")
    print(f"Denoised: {len(Denoised())} rows")
    assert capsys.readouterr().out.split("\n")[:3] == [
        "JuliaImage: 4 rows",
        "DenoiseMethod: 3 rows",
        "Denoised: 12 rows",
    ]

    spec_id = 0
    original = (JuliaImage & {"spec_id": spec_id}).fetch1("image")
    names = []
    for method_id in [0, 1, 2]:
        result = (Denoised & {"spec_id": spec_id, "method_id": method_id}).fetch1("denoised")
        method_name = (DenoiseMethod & {"method_id": method_id}).fetch1("method_name")
        names.append(method_name)
        assert result.shape == original.shape
        # denoising must actually smooth the noisy image
        assert np.std(np.diff(result, axis=1)) < np.std(np.diff(original, axis=1))
    assert names == ["gaussian", "median", "tv"]

    # Add a new spec: populate only computes what's missing
    JuliaSpec.insert1({"spec_id": 4, "c_real": -0.7, "c_imag": 0.27})
    assert JuliaImage.populate(display_progress=True) == {"success_count": 1, "error_list": []}
    assert Denoised.populate(display_progress=True) == {"success_count": 3, "error_list": []}
    assert len(JuliaImage()) == 5 and len(Denoised()) == 15
    assert sorted(Denoised.keys(), key=lambda k: (k["spec_id"], k["method_id"]))[-3:] == [
        {"spec_id": 4, "method_id": 0},
        {"spec_id": 4, "method_id": 1},
        {"spec_id": 4, "method_id": 2},
    ]
    # nothing left: populating again computes nothing
    assert Denoised.populate() == {"success_count": 0, "error_list": []}

    schema.drop(prompt=False)
    assert not schema.exists
