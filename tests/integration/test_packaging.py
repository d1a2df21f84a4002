"""The model files travel with the package: a non-editable install loads them by name from anywhere."""
import os
import subprocess
import sys
import zipfile

import pytest

from paths import MODELS, ROOT


@pytest.mark.slow
def test_a_built_wheel_ships_the_models_and_loads_them_by_name(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path / "dist"), str(ROOT)], check=True, capture_output=True, cwd=tmp_path)
    wheel, = (tmp_path / "dist").glob("neuroattn-*.whl")
    shipped = {n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".yaml")}
    assert shipped == {f"neuroattn/models/specs/{p.name}" for p in MODELS.glob("*.yaml")}
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(tmp_path / "site"),
                    str(wheel)], check=True, capture_output=True)
    code = ("import neuroattn as na; assert na.__file__.startswith(%r), na.__file__; "
            "s = na.load_spec('cortical_hierarchy'); print(s.name, len(s.areas))") % str(tmp_path / "site")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["cortical-hierarchy", "6"]
