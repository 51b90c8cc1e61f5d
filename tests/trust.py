"""Count the lines of the trusted code that README.md's "What you must trust" table names.

A row's second cell names functions as ``path: name, Class.name; path: name`` (paths relative to
``symconv/``); the count is the number of code lines in their bodies: blank lines, comments and
docstrings are not counted.  ``path: *`` counts the whole module.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## What you must trust"


def _code_lines(source: str, first: int, last: int, tree: ast.AST) -> int:
    """Lines in ``first..last`` holding code (not blank, not only a comment, not a docstring)."""
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(
                    getattr(body[0], "value", None), ast.Constant) and isinstance(
                    body[0].value.value, str):
                docstrings.update(range(body[0].lineno, body[0].end_lineno + 1))
    code: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                        tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        code.update(range(tok.start[0], tok.end[0] + 1))
    return len({n for n in code - docstrings if first <= n <= last})


def _find(tree: ast.Module, dotted: str) -> ast.AST:
    node: ast.AST = tree
    for part in dotted.split("."):
        found = [n for n in getattr(node, "body", []) if isinstance(
            n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name == part]
        if not found:
            raise LookupError(f"{dotted}: no such function or class")
        node = found[0]
    return node


def count(cell: str) -> int:
    """The code lines of the functions a table cell names."""
    total = 0
    for part in filter(None, (p.strip() for p in cell.replace("`", "").split(";"))):
        path, _, names = part.partition(":")
        source = (ROOT / "symconv" / path.strip()).read_text()
        tree = ast.parse(source)
        for name in (n.strip() for n in names.split(",")):
            if name == "*":
                total += _code_lines(source, 1, len(source.splitlines()), tree)
                continue
            node = _find(tree, name)
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            total += _code_lines(source, first, node.end_lineno, tree)
    return total


def table() -> list[tuple[str, str, int]]:
    """``(mechanism, cell, stated lines)`` for every row of the README's trust table."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index(SECTION):]
    section = section[:section.index("\n## ", len(SECTION))]
    rows = []
    for line in section.splitlines():
        m = re.match(r"^\| (.+?) \| (.+?) \| (\d+) \|$", line)
        if m:
            rows.append((m.group(1), m.group(2), int(m.group(3))))
    return rows
