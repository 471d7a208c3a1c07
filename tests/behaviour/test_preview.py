"""Table previews: ``repr`` in the terminal, ``_repr_html_`` in notebooks, and the heading's repr.

As in DataJoint 2.x: primary-key attributes are marked (``*name`` in text,
``id="primary"`` in HTML), large values are never fetched but shown as a
placeholder (``<blob>`` for a codec, ``bytes``, ``json``), the first
``display.limit`` rows come in primary-key order, then ``Total: N``.
"""

from __future__ import annotations

import numpy as np
import pytest

import joinery as dj


@pytest.fixture
def Scan(schema):
    @schema
    class Scan(dj.Manual):
        definition = """
        # brain scans
        scan_id : int16             # scan number
        ---
        label : varchar(40)         # what was scanned
        depth = null : float64
        frames = null : int32
        image = null : <blob>       # the picture
        raw = null : bytes
        meta = null : json
        """

    rows = [
        {
            "scan_id": i,
            "label": f"scan <{i}>",
            "depth": None if i == 3 else i * 1.5,
            "frames": None if i == 3 else 100 + i,
            "image": np.full((4, 4), i, dtype=np.uint8),
            "raw": bytes([i]),
            "meta": {"i": i},
        }
        for i in range(20, 0, -1)  # inserted in reverse key order
    ]
    Scan.insert(rows)
    return Scan


def lines_of(text: str) -> list[str]:
    return text.rstrip("\n").split("\n")


def test_text_preview_header_marks_the_primary_key(Scan):
    header = lines_of(repr(Scan()))[0].split()
    assert header == ["*scan_id", "label", "depth", "frames", "image", "raw", "meta"]


def test_text_preview_separator_and_column_alignment(Scan):
    lines = lines_of(repr(Scan()))
    separators = lines[1].split(" ")
    assert all(s.startswith("+") and s.endswith("+") and set(s[1:-1]) == {"-"} for s in separators)
    widths = [len(s) for s in separators]
    assert len(lines[0]) == len(lines[2]) == sum(widths) + len(widths) - 1


def test_text_preview_shows_placeholders_for_large_values(Scan):
    first_row = lines_of(repr(Scan()))[2].split()
    assert first_row[0] == "1"
    assert first_row[-3:] == ["<blob>", "bytes", "json"]


def test_text_preview_shows_first_rows_in_key_order_then_total(Scan):
    limit = dj.config["display.limit"]
    lines = lines_of(repr(Scan()))
    shown = [int(line.split()[0]) for line in lines[2 : 2 + limit]]
    assert shown == list(range(1, limit + 1))
    assert lines[-2].strip() == "..."
    assert lines[-1].strip() == "(Total: 20)"


def test_text_preview_shows_nulls(Scan):
    row = next(line for line in lines_of(repr(Scan())) if line.startswith("3 "))
    assert row.split()[3:5] == ["nan", "None"]  # a NULL float is NaN in the record array


def test_text_preview_of_a_query(Scan):
    text = repr(Scan & "scan_id > 18")
    lines = lines_of(text)
    assert [line.split()[0] for line in lines[2:-1]] == ["19", "20"]
    assert "..." not in text
    assert lines[-1].strip() == "(Total: 2)"


def test_display_limit_is_respected(Scan):
    with dj.config.override(display__limit=3):
        lines = lines_of(repr(Scan()))
        html = Scan()._repr_html_()
    assert [line.split()[0] for line in lines[2:5]] == ["1", "2", "3"]
    assert lines[5].strip() == "..."
    assert html.count("<tr>") == 1 + 3  # the header and three rows


def test_display_width_truncates_columns(Scan):
    text = Scan().preview(width=8)
    assert all(len(cell) <= 8 for cell in lines_of(text)[1].split(" "))
    assert "scan <1" in text and "scan <10>" not in text


def test_total_can_be_switched_off(Scan):
    with dj.config.override(display__show_tuple_count=False):
        assert "Total" not in repr(Scan())
        assert "Total" not in Scan()._repr_html_()


def test_empty_table_preview(schema):
    @schema
    class Empty(dj.Manual):
        definition = """
        k : int32
        ---
        v : <blob>
        """

    lines = lines_of(repr(Empty()))
    assert lines[0].split() == ["*k", "v"]
    assert lines[-1].strip() == "(Total: 0)"
    assert len(lines) == 3


def test_html_preview_marks_the_primary_key(Scan):
    html = Scan()._repr_html_()
    assert '<span id="primary" title="scan number">scan_id</span>' in html
    assert '<span id="nonprimary" title="what was scanned">label</span>' in html


def test_html_preview_shows_blob_placeholder_and_total(Scan):
    html = Scan()._repr_html_()
    assert "<td>&lt;blob&gt;</td>" in html
    assert "<td>bytes</td>" in html and "<td>json</td>" in html
    assert "<p>Total: 20</p>" in html
    assert "<p>...</p>" in html


def test_html_preview_escapes_values(Scan):
    html = (Scan & {"scan_id": 2})._repr_html_()
    assert "<td>scan &lt;2&gt;</td>" in html
    assert "<p>...</p>" not in html and "<p>Total: 1</p>" in html


def test_preview_does_not_fetch_blobs(Scan, monkeypatch):
    from joinery.codecs import get_codec

    codec = get_codec("blob")

    def refuse(*args, **kwargs):
        raise AssertionError("a preview decoded a blob")

    monkeypatch.setattr(codec, "decode", refuse)
    assert "<blob>" in repr(Scan())
    assert "&lt;blob&gt;" in Scan()._repr_html_()


def test_heading_repr_lists_attributes_in_definition_layout(Scan):
    lines = lines_of(repr(Scan.heading))
    assert lines[1] == "---"
    fields = [
        [part.strip() for part in line.split(":", 1)[0:1] + line.split(":", 1)[1].split("#", 1)]
        for line in lines
        if line != "---"
    ]
    assert fields[0] == ["scan_id", "int16", "scan number"]
    assert fields[1] == ["label", "varchar(40)", "what was scanned"]
    assert fields[2][:2] == ["depth=null", "float64"]
    assert fields[4][:2] == ["image=null", "<blob>"]
    assert [f[0].split("=")[0] for f in fields] == [
        "scan_id",
        "label",
        "depth",
        "frames",
        "image",
        "raw",
        "meta",
    ]


def test_heading_of_a_query(Scan):
    heading = (Scan.proj("label", n="frames + 1")).heading
    assert heading.names == ["scan_id", "label", "n"]
    assert heading.primary_key == ["scan_id"]
    assert "---" in repr(heading)
