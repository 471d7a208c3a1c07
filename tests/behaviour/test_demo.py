"""The demo, ``python -m joinery.demo``: runs the tutorial pipeline and writes the files it names."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from joinery import demo


def test_demo_runs_the_pipeline_and_writes_the_files_it_names(tmp_path):
    output = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "joinery.demo", "--output", str(output), "--size", "96"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "JuliaImage.populate() -> {'success_count': 4, 'error_list': []}" in out
    assert "Denoised.populate()   -> {'success_count': 12, 'error_list': []}" in out
    # the new spec: only what is missing
    assert "JuliaImage.populate() -> {'success_count': 1, 'error_list': []}" in out
    assert "Denoised.populate()   -> {'success_count': 3, 'error_list': []}" in out
    assert "Rows: JuliaSpec 5, JuliaImage 5, Denoised 15" in out
    assert "-0.74543" in out and "Total: 12" in out
    assert "JuliaImage: 100%" in done.stderr
    named = [line.strip() for line in out.split("Files written:")[1].splitlines() if line.strip()]
    assert len(named) == 1 + 20 + 1 + 2  # database, images, overview, diagrams
    for path in named:
        assert (output / path.split(str(output) + "/")[1]).is_file(), path
    assert (output / "demo.db").is_file()
    assert (output / "images" / "spec4_tv.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (output / "pipeline.svg").read_text().lstrip().startswith(("<svg", "<?xml"))
    mermaid = (output / "pipeline.mmd").read_text()
    assert "flowchart" in mermaid and "JuliaImage" in mermaid and "Denoised" in mermaid


def test_running_the_demo_again_starts_afresh(connection, tmp_path):
    # the connection fixture restores the configuration the demo changes
    for _ in range(2):
        lines: list[str] = []
        demo.run(tmp_path / "again", size=16, say=lines.append)
        assert "Denoised.populate()   -> {'success_count': 12, 'error_list': []}" in "\n".join(lines)


def test_images_fall_back_to_npy_without_matplotlib(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.image", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    image = np.arange(12, dtype=np.float32).reshape(3, 4)
    path = demo.save_image(image, tmp_path / "img")
    assert path.suffix == ".npy"
    np.testing.assert_array_equal(np.load(path), image)
    assert demo.save_overview([[("a", image)]], tmp_path / "overview.png") is None


def test_numpy_denoisers_match_scipy():
    ndimage = pytest.importorskip("scipy.ndimage")
    image = np.random.default_rng(1).normal(size=(40, 50))
    np.testing.assert_allclose(
        demo.gaussian(image, 1.8), ndimage.gaussian_filter(image, 1.8, mode="reflect"), atol=1e-9
    )
    expected = ndimage.median_filter(image, footprint=demo.disk(3), mode="reflect")
    np.testing.assert_array_equal(demo.median(image, 3), expected)


def test_total_variation_smooths_but_keeps_the_mean():
    rng = np.random.default_rng(2)
    clean = np.zeros((64, 64))
    clean[16:48, 16:48] = 100.0
    noisy = clean + rng.normal(scale=20, size=clean.shape)
    result = demo.total_variation(noisy, weight=20.0)
    assert abs(result.mean() - noisy.mean()) < 1e-6
    assert np.abs(result - clean).mean() < np.abs(noisy - clean).mean()
