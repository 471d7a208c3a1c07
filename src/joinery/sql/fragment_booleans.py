"""MySQL's loose booleans on a backend with a strict boolean type.

Layer: ``sql/``, used by ``sql/fragments.py`` for backends whose flavour says truth values and
numbers are different types (PostgreSQL). In MySQL and SQLite a comparison is the integer 0 or 1
and any number can stand where a condition is expected, so users write ``sum(x > 3)``,
``proj(big='x > 3')`` and ``Session & 'is_valid'``. Here each truth value used as a number is cast
to an integer, and each number used as a condition is compared with 0.
"""

from __future__ import annotations

from sqlglot import exp

# Nodes whose value is a truth value in a strict backend.
_TRUTH = (exp.Predicate, exp.Connector, exp.Not, exp.Boolean, exp.Escape, exp.Null)
# Nodes whose operands must be truth values.
_LOGICAL = (exp.Connector, exp.Not)


def _strip(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _is_truth(node: exp.Expr) -> bool:
    return isinstance(_strip(node), _TRUTH)


def _position(node: exp.Expr) -> tuple[exp.Expr, exp.Expr | None]:
    """The node standing for ``node`` among its parent's operands (through parentheses), and that parent."""
    child, parent = node, node.parent
    while isinstance(parent, exp.Paren):
        child, parent = parent, parent.parent
    return child, parent


def _wants_truth(node: exp.Expr, top_is_condition: bool) -> bool:
    """Whether ``node`` sits where the database expects a truth value."""
    child, parent = _position(node)
    if parent is None:
        return top_is_condition
    if isinstance(parent, _LOGICAL):
        return True
    if isinstance(parent, exp.If) and child.arg_key == "this":
        # CASE x WHEN v: v is a value compared with x, not a condition.
        return not (isinstance(parent.parent, exp.Case) and parent.parent.this is not None)
    return False


def _needs_number(node: exp.Expr, top_is_condition: bool) -> bool:
    if not isinstance(node, _TRUTH) or isinstance(node, exp.Null):
        return False
    if isinstance(node.parent, exp.Escape):
        return False  # the LIKE inside `... ESCAPE '!'`: the ESCAPE node stands for it
    if _wants_truth(node, top_is_condition):
        return False
    child, parent = _position(node)
    if isinstance(parent, exp.Predicate):
        # `flag = TRUE` and `(a > 1) = (b > 2)` are fine as they are; `(a > 1) = 1` is not.
        if isinstance(node, exp.Boolean):
            return False
        others = [arg for arg in parent.iter_expressions() if arg is not child]
        return not any(_is_truth(arg) for arg in others)
    return True


def _truth_of(node: exp.Expr) -> exp.Expr:
    # A bare attribute may be a BOOLEAN or a number: CAST(... AS INT) accepts both.
    value = node
    if isinstance(_strip(node), (exp.Column, exp.Var)):
        value = exp.Cast(this=node, to=exp.DataType.build("INT"))
    return exp.NEQ(this=value, expression=exp.Literal.number(0))


def _as_number(node: exp.Expr) -> exp.Expr:
    return exp.Cast(this=node, to=exp.DataType.build("INT"))


def coerce_booleans(holder: exp.Expr, top_is_condition: bool) -> None:
    """Make truth values and numbers meet where each is expected, in the tree under ``holder``.

    ``holder`` is a parenthesis wrapped around the fragment by the caller; its content is
    the top of the fragment, a condition when ``top_is_condition`` else a value.
    """
    changes = []
    for node in holder.this.dfs():
        if _needs_number(node, top_is_condition):
            changes.append((node, _as_number))
        elif not isinstance(node, exp.Paren) and not _is_truth(node) and _wants_truth(node, top_is_condition):
            changes.append((node, _truth_of))
    # Innermost first, so that an outer wrapper receives its already-wrapped operands.
    for node, wrap in reversed(changes):
        parent, key, index = node.parent, node.arg_key, node.index
        parent.set(key, wrap(node), index)
