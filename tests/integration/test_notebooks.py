"""The notebooks run top to bottom on a fresh kernel, from any directory, and are stored without outputs.

The suite runs them with a short model time (``NEUROATTN_DURATION``); each notebook's own checks
against closed forms that need its full duration are skipped then, the others still run.
"""
import pytest

from paths import NOTEBOOKS

NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("*.ipynb"))
#: Model time (seconds) of the notebooks' runs in the suite.
SHORT = "0.3"


def test_the_notebooks_are_there_and_stored_without_outputs():
    import nbformat

    assert [p.stem for p in NOTEBOOK_FILES] == ["01_quickstart", "02_beta_sweep_and_bifurcation",
                                               "03_feedback_and_paradigms", "04_plasticity", "05_spiking",
                                               "06_attention_as_softmax", "07_fitting"]
    for path in NOTEBOOK_FILES:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        assert code and all(not cell.outputs and cell.execution_count is None for cell in code), path.name
        assert sum(cell.cell_type == "markdown" for cell in nb.cells) >= 3, f"{path.name}: a story needs prose"
        assert "NEUROATTN_DURATION" in code[0].source, f"{path.name}: the first code cell reads the duration"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=[p.stem for p in NOTEBOOK_FILES])
def test_notebook_runs(path, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("NEUROATTN_DURATION", SHORT)
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend, so figures are outputs
    nb = nbformat.read(path, as_version=4)
    # from a directory that is not the repository's: the models come from the package
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    assert any("image/png" in out.get("data", {}) for out in outputs), "a story with plots"
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written where it runs
