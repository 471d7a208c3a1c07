"""Table relations (parents, children, ancestors, descendants, parts) and the Diagram of a real schema."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import joinery as dj


def _pipeline(schema):
    @schema
    class Subject(dj.Manual):
        definition = """
        subject_id : int32
        """

    @schema
    class Method(dj.Lookup):
        definition = """
        method : varchar(16)
        """
        contents = [("fast",), ("slow",)]

    @schema
    class Session(dj.Manual):
        definition = """
        -> Subject
        session : int16
        """

    @schema
    class Analysis(dj.Computed):
        definition = """
        -> Session
        -> Method
        ---
        score : float64
        """

        class Detail(dj.Part):
            definition = """
            -> master
            item : int16
            """

        def make(self, key):
            self.insert1({**key, "score": 1.0})

    return Subject, Method, Session, Analysis


def test_relations_follow_the_foreign_keys(schema):
    Subject, Method, Session, Analysis = _pipeline(schema)
    assert Session.parents() == [Subject.full_table_name]
    assert set(Analysis.parents()) == {Session.full_table_name, Method.full_table_name}
    assert Subject.children() == [Session.full_table_name]
    assert set(Analysis.ancestors()) == {
        Subject.full_table_name,
        Session.full_table_name,
        Method.full_table_name,
        Analysis.full_table_name,
    }
    assert set(Subject.descendants()) == {
        Subject.full_table_name,
        Session.full_table_name,
        Analysis.full_table_name,
        Analysis.Detail.full_table_name,
    }
    assert Analysis.parts() == [Analysis.Detail.full_table_name]
    assert [t.table_name for t in Session.parents(as_objects=True)] == ["subject"]


def test_diagram_of_a_schema_renders_every_table_by_tier(schema, tmp_path):
    _pipeline(schema)
    diagram = dj.Diagram(schema)
    svg = diagram._repr_svg_()
    root = ET.fromstring(svg)
    text = "".join(root.itertext())
    for name in ("Subject", "Method", "Session", "Analysis", "Analysis.Detail"):
        assert name in text
    mermaid = diagram.make_mermaid()
    assert "Subject --> Session" in mermaid.replace("  ", " ") or "Subject" in mermaid
    diagram.save(str(tmp_path / "pipeline.svg"))
    diagram.save(str(tmp_path / "pipeline.png"))
    assert (tmp_path / "pipeline.svg").stat().st_size > 0
    assert (tmp_path / "pipeline.png").read_bytes()[:4] == b"\x89PNG"


def test_diagram_arithmetic_on_tables(schema):
    Subject, Method, Session, Analysis = _pipeline(schema)
    just_session = dj.Diagram(Session)
    assert just_session.nodes_to_show == {Session.full_table_name}
    downstream = dj.Diagram(Session) + 1
    assert Analysis.full_table_name in downstream.nodes_to_show
    upstream = dj.Diagram(Session) - 1
    assert Subject.full_table_name in upstream.nodes_to_show
    assert Analysis.full_table_name not in upstream.nodes_to_show
