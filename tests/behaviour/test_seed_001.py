"""Seed tutorial 001, the blob detection pipeline, run as written.

Changes from the tutorial: the import line (``import joinery as dj``), the
database (the ``connection`` fixture's fresh file), no matplotlib plotting, and
one picture: ``data.human_mitosis()`` downloads its file on first use, so the
bundled ``data.cell()`` stands in for it (its blob counts were computed once
with scikit-image 0.26 and are asserted below). The Hubble counts are the
tutorial's own: 1921, 971, 229. Sockets are blocked: the test needs no network.
"""

from __future__ import annotations

import socket

import numpy as np
import pytest

import joinery as dj

pytest.importorskip("skimage", reason="the tutorial detects blobs with scikit-image")

HUBBLE_COUNTS = {1: 1921, 2: 971, 3: 229}
CELL_COUNTS = {1: 57, 2: 40, 3: 0}


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the seed tutorial test tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_blob_tutorial_runs_end_to_end(connection, no_network, capsys):
    from skimage import data
    from skimage.color import rgb2gray
    from skimage.feature import blob_doh

    schema = dj.Schema("tutorial_blobs")

    @schema
    class Image(dj.Manual):
        definition = """
        # Images for blob detection
        image_id : int16
        ---
        image_name : varchar(100)
        image : <blob> # serialized numpy array
        """

    Image.insert(
        [
            {"image_id": 1, "image_name": "Hubble Deep Field", "image": rgb2gray(data.hubble_deep_field())},
            {"image_id": 2, "image_name": "Cell", "image": data.cell() / 255.0},
        ],
        skip_duplicates=True,
    )
    assert len(Image()) == 2
    assert Image.to_arrays("image_name").tolist() == ["Hubble Deep Field", "Cell"]
    assert "<blob>" in repr(Image()) or "=BLOB=" in repr(Image())
    # the plotting cell iterates over the table
    shapes = [(row["image_name"], row["image"].shape) for row in Image()]
    assert shapes == [("Hubble Deep Field", (872, 1000)), ("Cell", (660, 550))]

    @schema
    class DetectionParams(dj.Lookup):
        definition = """
        # Blob detection parameter sets
        params_id : int16
        ---
        min_sigma : float32 # minimum blob size
        max_sigma : float32 # maximum blob size
        threshold : float32 # detection sensitivity
        """
        contents = [
            {"params_id": 1, "min_sigma": 2.0, "max_sigma": 6.0, "threshold": 0.001},
            {"params_id": 2, "min_sigma": 3.0, "max_sigma": 8.0, "threshold": 0.002},
            {"params_id": 3, "min_sigma": 4.0, "max_sigma": 20.0, "threshold": 0.01},
        ]

    assert DetectionParams.to_arrays("params_id", "min_sigma")[1].tolist() == [2.0, 3.0, 4.0]

    @schema
    class Detection(dj.Computed):
        definition = """
        # Blob detection results
        -> Image # depends on Image
        -> DetectionParams # depends on DetectionParams
        ---
        num_blobs : int32 # number of blobs detected
        """

        class Blob(dj.Part):
            definition = """
            # Individual detected blobs
            -> master
            blob_idx : int32
            ---
            x : float32 # x coordinate
            y : float32 # y coordinate
            radius : float32 # blob radius
            """

        def make(self, key):
            img = (Image & key).fetch1("image")
            params = (DetectionParams & key).fetch1()
            blobs = blob_doh(
                img,
                min_sigma=params["min_sigma"],
                max_sigma=params["max_sigma"],
                threshold=params["threshold"],
            )
            self.insert1({**key, "num_blobs": len(blobs)})
            self.Blob.insert(
                [{**key, "blob_idx": i, "x": x, "y": y, "radius": r} for i, (x, y, r) in enumerate(blobs)]
            )

    mermaid = dj.Diagram(schema).make_mermaid()
    assert all(name in mermaid for name in ("Image", "DetectionParams", "Detection"))

    assert Detection.populate(display_progress=True) == {"success_count": 6, "error_list": []}
    assert "Detection: 100%" in capsys.readouterr().err

    expected = {(1, p): n for p, n in HUBBLE_COUNTS.items()} | {(2, p): n for p, n in CELL_COUNTS.items()}
    counts = {(r["image_id"], r["params_id"]): r["num_blobs"] for r in Detection().to_dicts()}
    assert counts == expected
    # every master row has exactly its parts, inserted with it
    for (image_id, params_id), n in expected.items():
        assert len(Detection.Blob & {"image_id": image_id, "params_id": params_id}) == n

    keys = Detection.keys(order_by="image_id, params_id")
    assert [(k["image_id"], k["params_id"]) for k in keys] == sorted(expected)
    for key in keys:
        name, img, num_blobs = (Detection * Image & key).fetch1("image_name", "image", "num_blobs")
        x, y, r = (Detection.Blob & key).to_arrays("x", "y", "radius")
        assert len(x) == len(y) == len(r) == num_blobs
        assert img.ndim == 2
        if num_blobs:
            assert x.min() >= 0 and x.max() < img.shape[0] and y.min() >= 0 and y.max() < img.shape[1]
    assert name == "Cell"

    few = Detection & "num_blobs < 300"
    assert sorted((r["image_id"], r["params_id"], r["num_blobs"]) for r in few.to_dicts()) == sorted(
        (i, p, n) for (i, p), n in expected.items() if n < 300
    )

    joined = (Image * Detection).proj("image_name", "num_blobs")
    assert set(joined.heading.names) == {"image_id", "params_id", "image_name", "num_blobs"}
    rows = sorted(joined.to_dicts(), key=lambda r: (r["image_id"], r["params_id"]))
    assert [(r["image_name"], r["num_blobs"]) for r in rows] == [
        ("Hubble Deep Field", 1921),
        ("Hubble Deep Field", 971),
        ("Hubble Deep Field", 229),
        ("Cell", 57),
        ("Cell", 40),
        ("Cell", 0),
    ]

    @schema
    class SelectedDetection(dj.Manual):
        definition = """
        # Best detection for each image
        -> Image
        ---
        -> Detection
        """

    SelectedDetection.insert(
        [{"image_id": 1, "params_id": 3}, {"image_id": 2, "params_id": 1}], skip_duplicates=True
    )
    assert SelectedDetection().to_dicts() == [
        {"image_id": 1, "params_id": 3},
        {"image_id": 2, "params_id": 1},
    ]
    assert "SelectedDetection" in dj.Diagram(schema).make_mermaid()

    # populate is idempotent: nothing left to compute
    assert Detection.populate() == {"success_count": 0, "error_list": []}
    assert np.isclose((Image & {"image_id": 2}).fetch1("image").max(), data.cell().max() / 255.0)

    schema.drop(prompt=False)
    assert not schema.exists
