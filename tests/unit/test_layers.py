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


def _module_name(path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """neuroattn module -> the neuroattn modules it imports (at the top or inside functions)."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + [base]).strip(".")
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names]
            else:
                continue
            edges |= {t for t in targets if t in files and t != name}
        graph[name] = edges
    return graph


def test_the_package_has_no_import_cycle():
    graph = _import_graph()
    assert len(graph) > 30 and "neuroattn.engine.simulation" in graph["neuroattn.engine"]
    state, stack, cycles = {}, [], []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == []


def test_layers_above_the_engine_use_only_its_public_names():
    graph = _import_graph()
    for name, edges in graph.items():
        if name.split(".")[1:2] and name.split(".")[1] in ("analysis", "sweeps", "paradigms", "plotting"):
            inside = sorted(e for e in edges if e.startswith("neuroattn.engine."))
            assert inside == [], f"{name} imports {inside}"


def test_results_and_spec_do_not_import_the_package_root():
    graph = _import_graph()
    for name, edges in graph.items():
        if name.startswith(("neuroattn.results", "neuroattn.spec", "neuroattn.engine", "neuroattn.analysis")):
            assert "neuroattn" not in edges, name
