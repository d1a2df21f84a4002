"""Sphinx configuration of the neuroattn documentation.

Build it from the repository root with ``python -m sphinx -W docs docs/_build/html``. The notebooks
(``docs/notebooks`` links to ``notebooks/``) are executed during the build, at the model time
``NEUROATTN_DURATION`` sets (their own defaults otherwise); ``NEUROATTN_DOCS_EXECUTE=off`` renders them
without running them.
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import neuroattn  # noqa: E402

project = "neuroattn"
author = "the neuroattn developers"
copyright = "neuroattn developers"
version = release = neuroattn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "_static/*.py"]
root_doc = "index"

# API reference from the numpydoc docstrings; members are listed in the module pages themselves
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"
autodoc_mock_imports = []
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# the notebooks, executed (or not) while the site is built
nb_execution_mode = os.environ.get("NEUROATTN_DOCS_EXECUTE", "force")
nb_execution_timeout = 900
nb_execution_raise_on_error = True
nb_execution_in_temp = True  # they run from any directory: a temporary one here
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
suppress_warnings = ["mystnb.unknown_mime_type"]

html_theme = "alabaster"
html_static_path = ["_static"]
html_title = f"neuroattn {release}"
html_theme_options = {"description": "Attention as competition-inhibition dynamics, on Brian2",
                      "page_width": "1100px", "sidebar_width": "230px"}
