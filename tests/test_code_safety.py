"""The code base never evaluates text as code and never unpickles."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(path for folder in ("engine", "gui", "tests") for path in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_eval_exec_or_pickle(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in ("eval", "exec", "compile", "__import__"), f"{path}:{node.lineno}"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [alias.name for alias in node.names] + [getattr(node, "module", None) or ""]
            assert not any(name.split(".")[0] in ("pickle", "cPickle", "dill", "shelve", "marshal") for name in names), (
                f"{path}:{node.lineno}"
            )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "load":
            keywords = {keyword.arg: keyword.value for keyword in node.keywords}
            if getattr(node.func.value, "id", "") in ("np", "numpy"):
                where = f"{path}:{node.lineno}: numpy.load needs allow_pickle=False"
                assert "allow_pickle" in keywords, where
                assert getattr(keywords["allow_pickle"], "value", True) is False, where
