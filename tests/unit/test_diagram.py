"""dj.Diagram without graphviz: selection arithmetic, SVG, Mermaid and PNG output, layout."""

from __future__ import annotations

import random
import re
import sys
import time
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import networkx as nx
import pytest

from joinery.diagram import Diagram
from joinery.diagram.layout import compute_layout
from joinery.errors import DataJointError

SVG = "{http://www.w3.org/2000/svg}"


def q(schema: str, table: str) -> str:
    return f'"{schema}"."{table}"'


IMAGE = q("tutorial", "image")
PARAMS = q("tutorial", "#detection_params")
DETECTION = q("tutorial", "__detection")
BLOB = q("tutorial", "__detection__blob")
SELECTED = q("tutorial", "selected_detection")
JOBS = q("tutorial", "~jobs")
SUMMARY = q("analysis", "__summary")
REPORT = q("analysis", "report")

TABLES = [
    (IMAGE, "tutorial", "Image", "Manual"),
    (PARAMS, "tutorial", "DetectionParams", "Lookup"),
    (DETECTION, "tutorial", "Detection", "Computed"),
    (BLOB, "tutorial", "Detection.Blob", "Part"),
    (SELECTED, "tutorial", "SelectedDetection", "Manual"),
    (JOBS, "tutorial", "~jobs", "_"),
    (SUMMARY, "analysis", "Summary", "Imported"),
    (REPORT, "analysis", "Report", "Manual"),
]
EDGES = [
    (IMAGE, DETECTION, {"primary": True, "renamed": False}),
    (PARAMS, DETECTION, {"primary": True, "renamed": False}),
    (DETECTION, BLOB, {"primary": True, "renamed": False}),
    (IMAGE, SELECTED, {"primary": True, "renamed": False}),
    (DETECTION, SELECTED, {"primary": False, "renamed": False}),
    (DETECTION, SUMMARY, {"primary": True, "renamed": True, "attr_map": {"source_image": "image_id"}}),
    (SUMMARY, REPORT, {"primary": False, "renamed": False}),
]


def make_graph(reverse: bool = False) -> nx.DiGraph:
    """The seed-001 pipeline plus a downstream schema; ``reverse`` inserts everything in the opposite order."""
    graph = nx.DiGraph()
    tables = list(reversed(TABLES)) if reverse else TABLES
    for name, schema, class_name, tier in tables:
        graph.add_node(name, schema=schema, class_name=class_name, tier=tier)
    graph.add_edges_from(reversed(EDGES) if reverse else EDGES)
    return graph


class FakeDependencies:
    def __init__(self, graph: nx.DiGraph) -> None:
        self.graph = graph
        self.loads = 0

    def load(self) -> None:
        self.loads += 1


def make_world(graph: nx.DiGraph | None = None) -> SimpleNamespace:
    connection = SimpleNamespace(dependencies=FakeDependencies(graph if graph is not None else make_graph()))

    def schema(name: str) -> SimpleNamespace:
        return SimpleNamespace(connection=connection, database=name)

    def table(name: str) -> SimpleNamespace:
        return SimpleNamespace(connection=connection, full_table_name=name)

    return SimpleNamespace(connection=connection, schema=schema, table=table)


@pytest.fixture
def world() -> SimpleNamespace:
    return make_world()


def parse_svg(text: str) -> ET.Element:
    return ET.fromstring(text)


def node_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class", "").startswith("node ")]


def edge_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class", "").startswith("edge ")]


# ----- selection and arithmetic ------------------------------------------------------------


def test_schema_diagram_shows_its_tables_but_not_internal_ones(world):
    diagram = Diagram(world.schema("tutorial"))
    assert diagram.nodes_to_show == {IMAGE, PARAMS, DETECTION, BLOB, SELECTED}
    assert world.connection.dependencies.loads == 1


def test_table_diagram_brings_the_parts_of_a_master(world):
    assert Diagram(world.table(DETECTION)).nodes_to_show == {DETECTION, BLOB}
    assert Diagram(world.table(IMAGE)).nodes_to_show == {IMAGE}


def test_plus_int_expands_downstream_with_parts_of_reached_masters(world):
    image = Diagram(world.table(IMAGE))
    assert (image + 1).nodes_to_show == {IMAGE, DETECTION, BLOB, SELECTED}
    assert (image + 2).nodes_to_show == {IMAGE, DETECTION, BLOB, SELECTED, SUMMARY}
    assert (image + 100).nodes_to_show == {IMAGE, DETECTION, BLOB, SELECTED, SUMMARY, REPORT}


def test_minus_int_expands_upstream(world):
    selected = Diagram(world.table(SELECTED))
    assert (selected - 1).nodes_to_show == {SELECTED, IMAGE, DETECTION, BLOB}
    assert (Diagram(world.table(REPORT)) - 2).nodes_to_show == {REPORT, SUMMARY, DETECTION, BLOB}


def test_plus_one_minus_one_gives_neighbourhood(world):
    around = Diagram(world.table(SUMMARY)) + 1 - 1
    assert around.nodes_to_show == {SUMMARY, REPORT, DETECTION, BLOB}


def test_union_difference_and_intersection(world):
    tutorial, analysis = Diagram(world.schema("tutorial")), Diagram(world.schema("analysis"))
    both = tutorial + analysis
    assert both.nodes_to_show == tutorial.nodes_to_show | {SUMMARY, REPORT}
    assert (both - analysis).nodes_to_show == tutorial.nodes_to_show
    assert (both - Diagram(world.table(DETECTION))).nodes_to_show == {
        IMAGE,
        PARAMS,
        SELECTED,
        SUMMARY,
        REPORT,
    }
    assert (both * analysis).nodes_to_show == {SUMMARY, REPORT}


def test_tables_can_be_added_and_subtracted_directly(world):
    diagram = Diagram(world.table(IMAGE)) + world.table(REPORT)
    assert diagram.nodes_to_show == {IMAGE, REPORT}
    assert (diagram - world.table(IMAGE)).nodes_to_show == {REPORT}


def test_operations_leave_the_operands_unchanged(world):
    image = Diagram(world.table(IMAGE))
    _ = image + 2, image - 1, image + Diagram(world.schema("analysis"))
    assert image.nodes_to_show == {IMAGE}


def test_copy_and_list_sources(world):
    tutorial = Diagram(world.schema("tutorial"))
    assert Diagram(tutorial).nodes_to_show == tutorial.nodes_to_show
    combined = Diagram([world.table(IMAGE), world.schema("analysis")])
    assert combined.nodes_to_show == {IMAGE, SUMMARY, REPORT}
    assert Diagram.from_sequence((world.table(IMAGE), world.table(PARAMS))).nodes_to_show == {IMAGE, PARAMS}


def test_later_graph_changes_do_not_change_an_existing_diagram(world):
    diagram = Diagram(world.schema("tutorial"))
    world.connection.dependencies.graph.add_node(
        q("tutorial", "late"), schema="tutorial", class_name="Late", tier="Manual"
    )
    assert q("tutorial", "late") not in diagram.nodes_to_show
    assert q("tutorial", "late") in Diagram(world.schema("tutorial")).nodes_to_show


def test_topo_sort_puts_parents_first(world):
    order = Diagram(world.schema("tutorial")).topo_sort()
    assert order.index(IMAGE) < order.index(DETECTION) < order.index(BLOB)
    assert order.index(DETECTION) < order.index(SELECTED)


def test_unusable_sources_raise_datajoint_error(world):
    with pytest.raises(DataJointError, match="Diagram"):
        Diagram(object())
    with pytest.raises(DataJointError, match="empty"):
        Diagram([])


# ----- SVG ---------------------------------------------------------------------------------


def test_svg_is_xml_with_one_group_per_table_coloured_by_tier(world):
    root = parse_svg(Diagram(world.schema("tutorial")).make_svg())
    nodes = {g.get("data-table"): g for g in node_groups(root)}
    assert set(nodes) == {IMAGE, PARAMS, DETECTION, BLOB, SELECTED}
    assert nodes[IMAGE].get("class") == "node manual"
    assert nodes[PARAMS].get("class") == "node lookup"
    assert nodes[DETECTION].get("class") == "node computed"
    assert nodes[BLOB].get("class") == "node part"
    assert nodes[IMAGE].find(f"{SVG}rect").get("fill") == "#E8F0E9"  # Manual: green
    assert nodes[PARAMS].find(f"{SVG}rect").get("fill") == "#F0F0F1"  # Lookup: gray
    assert nodes[DETECTION].find(f"{SVG}ellipse").get("fill") == "#FFEDE5"  # Computed: red, an ellipse
    assert nodes[DETECTION].find(f"{SVG}text").text == "Detection"
    assert nodes[BLOB].find(f"{SVG}text").text == "Detection.Blob"


def test_svg_draws_every_edge_primary_solid_secondary_dashed(world):
    root = parse_svg(Diagram(world.schema("tutorial")).make_svg())
    edges = {(g.get("data-parent"), g.get("data-child")): g for g in edge_groups(root)}
    assert set(edges) == {(u, v) for u, v, _ in EDGES if "analysis" not in u + v}
    primary = edges[(IMAGE, DETECTION)].find(f"{SVG}path")
    secondary = edges[(DETECTION, SELECTED)].find(f"{SVG}path")
    assert primary.get("stroke-dasharray") is None
    assert secondary.get("stroke-dasharray") is not None
    assert float(primary.get("stroke-width")) > float(secondary.get("stroke-width"))


def test_svg_marks_renamed_foreign_keys_with_a_dot_and_the_renames(world):
    both = Diagram(world.schema("tutorial")) + Diagram(world.schema("analysis"))
    root = parse_svg(both.make_svg())
    renamed = [g for g in edge_groups(root) if "renamed" in g.get("class")]
    assert len(renamed) == 1
    assert renamed[0].find(f"{SVG}circle") is not None
    assert renamed[0].find(f"{SVG}text").text == "source_image←image_id"


def test_labels_carry_the_schema_only_when_several_schemas_are_drawn(world):
    single = parse_svg(Diagram(world.schema("analysis")).make_svg())
    assert {g.find(f"{SVG}text").text for g in node_groups(single)} == {"Summary", "Report"}
    both = parse_svg((Diagram(world.schema("analysis")) - 1).make_svg())
    labels = {g.find(f"{SVG}text").text for g in node_groups(both)}
    assert labels == {"analysis.Summary", "analysis.Report", "tutorial.Detection", "tutorial.Detection.Blob"}


def test_repr_svg_matches_make_svg(world):
    diagram = Diagram(world.schema("tutorial"))
    assert diagram._repr_svg_() == diagram.make_svg()


def test_empty_diagram_renders_everything(world, tmp_path):
    empty = Diagram(world.schema("no_such_schema"))
    root = parse_svg(empty.make_svg())
    assert node_groups(root) == [] and edge_groups(root) == []
    assert empty.make_mermaid().startswith("flowchart TB")
    empty.save(tmp_path / "empty.png")
    assert (tmp_path / "empty.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ----- Mermaid -----------------------------------------------------------------------------


def test_mermaid_has_every_node_edge_and_one_class_per_tier(world):
    text = (Diagram(world.schema("tutorial")) + Diagram(world.schema("analysis"))).make_mermaid()
    assert text.splitlines()[0] == "flowchart TB"
    for tier in ("manual", "lookup", "imported", "computed", "part"):
        assert re.search(rf"^\s*classDef {tier} fill:#", text, re.MULTILINE)
    for _, schema, class_name, tier in TABLES:
        assert (f'"{schema}.{class_name}"' in text) == (tier != "_"), class_name
    assert "tutorial_Image" in text and ":::manual" in text
    edge_lines = [line.strip() for line in text.splitlines() if "--" in line or "-.-" in line]
    assert len(edge_lines) == len(EDGES)
    assert "tutorial_Detection -.-> tutorial_SelectedDetection" in edge_lines
    assert 'tutorial_Detection -->|"source_image←image_id"| analysis_Summary' in edge_lines
    assert "~jobs" not in text


def test_mermaid_ids_avoid_reserved_words():
    graph = nx.DiGraph()
    graph.add_node("`s`.`end`", schema="s", class_name="end", tier="Manual")
    graph.add_node("`s`.`#end`", schema="s", class_name="End", tier="Lookup")
    world = make_world(graph)
    text = Diagram(world.schema("s")).make_mermaid()
    assert re.search(r"^\s+end\(", text, re.MULTILINE) is None
    assert "t_end(" in text


# ----- PNG and files -----------------------------------------------------------------------


def test_save_writes_each_format_from_the_extension(world, tmp_path):
    diagram = Diagram(world.schema("tutorial"))
    for name in ("d.svg", "d.png", "d.mmd", "d.mermaid"):
        diagram.save(tmp_path / name)
    assert parse_svg((tmp_path / "d.svg").read_text()) is not None
    assert (tmp_path / "d.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "d.mmd").read_text() == diagram.make_mermaid() == (tmp_path / "d.mermaid").read_text()
    diagram.save(tmp_path / "explicit.out", format="svg")
    assert (tmp_path / "explicit.out").read_text() == diagram.make_svg()
    with pytest.raises(DataJointError, match=r"\.svg"):
        diagram.save(tmp_path / "d.gif")


def test_png_without_matplotlib_names_the_extra(world, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    diagram = Diagram(world.schema("tutorial"))
    with pytest.raises(DataJointError, match=r"joinery\[diagram\]"):
        diagram.make_png()
    with pytest.raises(DataJointError, match="matplotlib"):
        diagram.draw()
    assert diagram.make_svg()  # SVG needs nothing extra


def test_draw_paints_with_pyplot(world, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    shown = []
    monkeypatch.setattr(pyplot, "show", lambda: shown.append(pyplot.gcf()))
    Diagram(world.schema("tutorial")).draw()
    assert len(shown) == 1
    texts = {t.get_text() for t in shown[0].axes[0].texts}
    assert {"Image", "Detection", "Detection.Blob"} <= texts
    pyplot.close(shown[0])


def test_seed_pipeline_renders_to_files(world):
    diagram = Diagram(world.schema("tutorial"))
    diagram.save("/tmp/diagram_test.svg")
    diagram.save("/tmp/diagram_test.png")
    with open("/tmp/diagram_test.svg", encoding="utf-8") as file:
        root = parse_svg(file.read())
    assert len(node_groups(root)) == 5 and len(edge_groups(root)) == 5


# ----- layout ------------------------------------------------------------------------------


def layout_of(diagram: Diagram):
    return diagram._layout


def test_dependencies_flow_top_to_bottom_without_overlaps(world):
    layout = layout_of(Diagram(world.schema("tutorial")) + Diagram(world.schema("analysis")))
    where = {node.key: node for node in layout.nodes}
    for edge in layout.edges:
        assert where[edge.parent].y < where[edge.child].y
        assert edge.points[0][1] < edge.points[-1][1]
    for a in layout.nodes:
        for b in layout.nodes:
            if a.key < b.key and a.y == b.y:
                assert abs(a.x - b.x) >= (a.width + b.width) / 2
    assert all(n.x - n.width / 2 >= 0 and n.x + n.width / 2 <= layout.width for n in layout.nodes)


def test_node_width_follows_label_length(world):
    where = {n.key: n for n in layout_of(Diagram(world.schema("tutorial"))).nodes}
    assert where[SELECTED].width > where[IMAGE].width


def test_barycenter_sweeps_remove_an_avoidable_crossing():
    graph = nx.DiGraph()
    for name in "ABYZ":
        graph.add_node(name, schema="s", class_name=name, tier="Manual")
    graph.add_edges_from([("A", "Z"), ("B", "Y")])  # sorted by name, Y would sit under A: a crossing
    where = {n.key: n for n in compute_layout(graph, {n: n for n in graph}).nodes}
    assert (where["A"].x < where["B"].x) == (where["Z"].x < where["Y"].x)


def test_output_is_deterministic_whatever_the_insertion_order():
    forward, backward = make_world(make_graph()), make_world(make_graph(reverse=True))
    first = Diagram(forward.schema("tutorial")) + Diagram(forward.schema("analysis"))
    second = Diagram(backward.schema("tutorial")) + Diagram(backward.schema("analysis"))
    assert first.make_svg() == second.make_svg() == Diagram(first).make_svg()
    assert first.make_mermaid() == second.make_mermaid()


def random_pipeline(size: int, seed: int = 7) -> nx.DiGraph:
    rng = random.Random(seed)
    graph, names = nx.DiGraph(), []
    for i in range(size):
        name = f"`s{i % 4}`.`table_{i}`"
        graph.add_node(
            name, schema=f"s{i % 4}", class_name=f"Table{i}", tier=rng.choice(["Manual", "Computed"])
        )
        for parent in rng.sample(names[-30:], min(len(names), rng.randint(0, 3))):
            graph.add_edge(parent, name, primary=rng.random() < 0.6, renamed=rng.random() < 0.05)
        names.append(name)
    return graph


def test_a_few_hundred_tables_lay_out_fast():
    world = make_world(random_pipeline(400))
    diagram = Diagram([world.schema(f"s{k}") for k in range(4)])
    start = time.perf_counter()
    root = parse_svg(diagram.make_svg())
    assert time.perf_counter() - start < 5.0
    assert len(node_groups(root)) == 400
    assert len(edge_groups(root)) == world.connection.dependencies.graph.number_of_edges()
