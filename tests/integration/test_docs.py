"""The documentation builds with Sphinx, warnings as errors, and renders the model, the CLI, the API
reference from the numpydoc docstrings, and every notebook.

The suite builds it without executing the notebooks (`test_notebooks` runs those); a full build
executes them: ``python -m sphinx -W docs docs/_build/html``.
"""
import os
import subprocess
import sys

import pytest

from paths import NOTEBOOKS, ROOT


@pytest.mark.slow
def test_the_docs_build_without_warnings(tmp_path):
    out = tmp_path / "html"
    env = {**os.environ, "NEUROATTN_DOCS_EXECUTE": "off", "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-d", str(tmp_path / "doctrees"),
                           str(ROOT / "docs"), str(out)], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    pages = {p.relative_to(out).as_posix() for p in out.rglob("*.html")}
    assert {"index.html", "model.html", "cli.html", "api.html"} <= pages
    assert {f"notebooks/{p.stem}.html" for p in NOTEBOOKS.glob("*.ipynb")} <= pages
    api = (out / "api.html").read_text()
    for name in ("neuroattn.simulate", "neuroattn.spec.load_spec", "neuroattn.sweeps.sweep",
                 "neuroattn.analysis.fixed_points", "neuroattn.plotting.traces", "neuroattn.plotting.heatmap",
                 "neuroattn.fit", "neuroattn.analysis.bifurcation", "neuroattn.models.spiking_form"):
        assert f'id="{name}"' in api, name
    assert "Parameters" in api and (out / "_static" / "hierarchy_trial.png").is_file()
    assert "math" in (out / "model.html").read_text()  # the equations, typeset
