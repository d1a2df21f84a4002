"""Where the repository is, so tests open its files the same from any working directory.

Import as ``from paths import ROOT`` (tests/ is on sys.path because tests/conftest.py lives there,
the same way the tests import ``helpers`` and ``strategies``).
"""
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]  # the repository root
MODELS = ROOT / "neuroattn" / "models" / "specs"  # the model files, shipped as package data
EXPERIMENTS = ROOT / "experiments"
NOTEBOOKS = ROOT / "notebooks"
