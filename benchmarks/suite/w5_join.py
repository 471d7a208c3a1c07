"""Workload 5: a 100,000-row table joined with a 1,000-row table, restricted, aggregated per group, fetched.

Two queries: the restricted join fetched as rows, and the count and mean per
group of the restricted rows. Both run in the database; what differs between
the sides is building the SQL and decoding the result. The raw driver runs
the equivalent hand-written SQL and builds the same numpy structured array.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .backends import Backend
from .cases import Case, within_raw
from .common import Plan, compare
from .raw import RawDB
from .timing import Measurement, measure

WORKLOAD = "5 join"
JOIN_DTYPE = [("item_id", "<i4"), ("group_id", "<i4"), ("value", "<f8"), ("category", "O"), ("weight", "<f8")]
AGGR_DTYPE = [("group_id", "<i4"), ("n", "<i8"), ("mean", "<f8")]


def make_data(n_items: int, n_groups: int) -> tuple[list[tuple], list[tuple]]:
    rng = np.random.default_rng(5)
    groups = [(g, f"cat{g % 10}", w) for g, w in enumerate(rng.random(n_groups).tolist())]
    owners = rng.integers(0, n_groups, n_items).tolist()
    items = [(i, g, v) for i, (g, v) in enumerate(zip(owners, rng.random(n_items).tolist(), strict=True))]
    return groups, items


def declare_tables(dj: Any, schema: Any) -> tuple[Any, Any]:
    class Group(dj.Manual):
        definition = """
        group_id : int32
        ---
        category : varchar(16)
        weight : float64
        """

    class Item(dj.Manual):
        definition = """
        item_id : int32
        ---
        -> Group
        value : float64
        """

    schema(Group)
    schema(Item)
    return Group, Item


def run(backend: Backend, plan: Plan) -> list[Case]:
    groups, items = make_data(plan.size(100_000, 20_000), 1_000)
    repeat = plan.repeat(5, 3)
    expected = {"join": sum(1 for _, g, v in items if v < 0.5 and groups[g][2] > 0.5)}
    expected["aggr"] = sum(1 for g in groups if g[2] > 0.5)

    def checker(key: str) -> Any:
        def check(value: Any) -> None:
            assert len(value) == expected[key], f"{key}: {len(value)} rows, expected {expected[key]}"

        return check

    def library_side(dj: Any, schema: Any) -> dict[str, Measurement]:
        group, item = declare_tables(dj, schema)
        group.insert([dict(zip(("group_id", "category", "weight"), g, strict=True)) for g in groups])
        item.insert([dict(zip(("item_id", "group_id", "value"), i, strict=True)) for i in items])

        def join() -> Any:
            return ((item * group) & "weight > 0.5" & "value < 0.5").to_arrays()

        def aggregate() -> Any:
            heavy = group & "weight > 0.5"
            return heavy.aggr(item & "value < 0.5", n="count(*)", mean="avg(value)").to_arrays()

        return {
            "join": measure(join, repeat=repeat, items=expected["join"], unit="rows", check=checker("join")),
            "aggr": measure(
                aggregate, repeat=repeat, items=expected["aggr"], unit="groups", check=checker("aggr")
            ),
        }

    def raw_side(db: RawDB) -> dict[str, Measurement]:
        grp = db.create("grp", [("group_id", "int"), ("category", "str"), ("weight", "float")], ["group_id"])
        item = db.create("item", [("item_id", "int"), ("group_id", "int"), ("value", "float")], ["item_id"])
        db.executemany(db.insert_sql(grp, 3), groups)
        db.executemany(db.insert_sql(item, 3), items)
        join_sql = (
            f"SELECT i.item_id, i.group_id, i.value, g.category, g.weight FROM {item} i "
            f"JOIN {grp} g ON i.group_id = g.group_id WHERE g.weight > 0.5 AND i.value < 0.5"
        )
        # DataJoint 2.x's aggr keeps groups with no matching rows (a LEFT JOIN), so the raw SQL does too
        aggr_sql = (
            f"SELECT g.group_id, COUNT(i.item_id), AVG(i.value) FROM {grp} g LEFT JOIN {item} i "
            "ON i.group_id = g.group_id AND i.value < 0.5 WHERE g.weight > 0.5 GROUP BY g.group_id"
        )

        def join() -> np.ndarray:
            return np.array(db.fetchall(join_sql), dtype=JOIN_DTYPE)

        def aggregate() -> np.ndarray:
            return np.array([tuple(row) for row in db.fetchall(aggr_sql)], dtype=AGGR_DTYPE)

        return {
            "join": measure(join, repeat=repeat, items=expected["join"], unit="rows", check=checker("join")),
            "aggr": measure(
                aggregate, repeat=repeat, items=expected["aggr"], unit="groups", check=checker("aggr")
            ),
        }

    names = {
        "join": f"({len(items):,} x {len(groups):,} join) & restriction, to_arrays()",
        "aggr": "aggr per group (count, avg) & restriction, to_arrays()",
    }
    cases = compare(backend, WORKLOAD, names, library_side, raw_side)
    for case in cases.values():
        case.judge("<=1.5x raw", within_raw(1.5))
    return list(cases.values())
