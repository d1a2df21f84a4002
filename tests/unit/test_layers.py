"""The layering rules of DESIGN.md: import side effects and who may import brian2."""
import ast
import subprocess
import sys

from paths import ROOT

PACKAGE = ROOT / "neuroattn"


def test_import_neuroattn_imports_neither_brian2_nor_matplotlib():
    code = ("import sys, neuroattn, neuroattn.spec, neuroattn.analysis, neuroattn.results, neuroattn.models;"
            "print('brian2' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def _imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0]


def test_only_engine_and_units_import_brian2():
    offenders = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                 if "brian2" in set(_imports(p)) and p.relative_to(PACKAGE).parts[0] not in ("engine", "units.py")]
    assert offenders == []


def test_matplotlib_is_imported_only_inside_plotting_functions():
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = {a.name for n in top for a in n.names} | {n.module for n in top if isinstance(n, ast.ImportFrom)}
        assert not any(str(name).startswith("matplotlib") for name in names), path
