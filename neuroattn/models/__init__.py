"""Factories returning ready specs; the shipped YAML files in ``neuroattn/models/specs`` mirror them (``load_spec("seed_competition")``)."""
from __future__ import annotations

from typing import Sequence

from neuroattn.models.decisions import tuned_population, wong_wang
from neuroattn.models.hierarchy import auditory, cortical_hierarchy, cue, value, visual
from neuroattn.models.spiking import spiking_form
from neuroattn.spec import Area, NetworkSpec, ReLU, Seed, Stimulus, Uniform


def seed_competition(n: int = 4, beta: float = 0.6, w: float = -0.3,
                     amplitude: Sequence[float] | None = None, tau: str = "10 ms") -> NetworkSpec:
    """One area obeying the seed equation with uniform weights ``w`` (the shipped model ``seed_competition``).

    With the defaults, inhibitory ``w=-0.3`` and ``beta=0.6`` put the area in the winner-take-all
    regime: the difference mode grows at rate ``(-1 - w - beta*n*w)/tau`` = 2/s.

    Examples
    --------
    >>> seed_competition().areas["V1"].competition.beta
    0.6
    """
    amplitude = [1.0 - 0.02 * k for k in range(n)] if amplitude is None else list(amplitude)
    return NetworkSpec(
        name="seed-competition",
        areas={"V1": Area(n=n, tau=tau, transfer=ReLU(),
                          competition=Seed(beta=beta, weights=Uniform(value=w), include_self=True))},
        stimuli=[Stimulus(area="V1", amplitude=amplitude)])


__all__ = ["seed_competition", "spiking_form", "wong_wang", "tuned_population", "cortical_hierarchy", "visual",
           "auditory", "cue", "value"]
