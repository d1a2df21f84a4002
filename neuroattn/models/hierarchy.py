"""The cortical hierarchy neuroattn exists for: attention from competition and top-down feedback.

Four stages, six areas, every area with ``n_features`` units tuned to one shared feature axis
(``location``, periodic on [0, 1), so a unit at x in V1 and a unit at x in PFC prefer the same
place or object):

1. **Encoding**: ``V1`` (visual) and ``A1`` (auditory) encode their stimuli without competition, so
   their tuning curves show top-down modulation undistorted: gain feedback scales them, bias
   feedback shifts them. Time constant 10 ms (sensory membrane/synaptic integration).
2. **Feature extraction**: ``parietal`` (where) pools V1 and A1 with narrow Gaussian projections, so
   the modalities meet there and compete through lateral inhibition; ``temporal`` (what) pools V1
   with a broad Gaussian (large receptive fields) and normalises divisively, the mechanism of
   biased competition (Reynolds & Heeger 2009). 20 ms.
3. **Competition and template**: ``PFC`` holds the attentional template. Strong self-excitation
   makes its units bistable, so a cue is kept as persistent activity after it ends, and lateral
   inhibition lets the strongest location win (Wang 2001). 50 ms, the slowest area.
   ``amygdala`` responds where visual input meets learned emotional value (the ``value``
   stimulus, a salience map) and biases PFC toward that location (bottom-up salience).
4. **Feedback**: PFC → parietal and PFC → temporal, parietal → V1/A1 and temporal → V1, all gain
   modulation by default (``feedback_mode``), closing the loop: the attended location's sensory
   response is enhanced, and through competition the unattended one is suppressed.

Sensory areas and temporal use ReLU rates; parietal, PFC and amygdala use sigmoids (saturating
firing rates, which also bound every feedback loop).
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

from neuroattn.spec import (Area, Bump, Divisive, FeatureAxis, Gaussian, Lateral, NetworkSpec, Projection,
                            ReLU, Sigmoid, Stimulus, Uniform)
from neuroattn.spec.plasticity import PlasticityRule

#: Width (in feature units) of a stimulus bump; below half the unit spacing at 8 features.
STIMULUS_WIDTH = 0.05


def _axis() -> FeatureAxis:
    return FeatureAxis(name="location", low=0.0, high=1.0, periodic=True)


def visual(location: float, contrast: float = 1.0, *, onset="0 ms", offset=None, noise: float = 0.0,
           name: Optional[str] = None, area: str = "V1") -> Stimulus:
    """A visual stimulus at `location`: a Gaussian bump of input to V1 (optionally with OU noise)."""
    return Stimulus(name=name, area=area, amplitude=Bump(peak=contrast, center=location, width=STIMULUS_WIDTH),
                    onset=onset, offset=offset, noise={"sigma": noise, "tau": "10 ms"} if noise else None)


def auditory(location: float, contrast: float = 1.0, **kwargs) -> Stimulus:
    """An auditory stimulus at `location` (a bump of input to A1)."""
    return visual(location, contrast, area="A1", **kwargs)


def cue(location: float, strength: float = 1.0, *, onset="0 ms", offset=None, name: Optional[str] = None) -> Stimulus:
    """An attention cue: input to PFC at `location`, where it sets the attentional template."""
    return Stimulus(name=name, area="PFC", amplitude=Bump(peak=strength, center=location, width=STIMULUS_WIDTH),
                    onset=onset, offset=offset)


def value(location: float, strength: float = 0.6, *, name: Optional[str] = None) -> Stimulus:
    """Learned emotional value of `location` (input to the amygdala; on for the whole trial)."""
    return Stimulus(name=name, area="amygdala",
                    amplitude=Bump(peak=strength, center=location, width=STIMULUS_WIDTH))


def cortical_hierarchy(n_features: int = 8, *, tau_sensory="10 ms", tau_association="20 ms", tau_pfc="50 ms",
                       feedback_mode: str = "gain", feedback_scale: float = 1.0, feedback_delay="0 ms",
                       stimuli: Optional[Sequence[Stimulus]] = None,
                       feedforward_plasticity: Optional[Union[dict, PlasticityRule]] = None,
                       neuron: Optional[Union[str, dict]] = None, rate_unit: float = 50.0) -> NetworkSpec:
    """The six-area attention hierarchy (with the defaults, the shipped model ``cortical_hierarchy``).

    Parameters
    ----------
    n_features : units per area, tuned to locations ``k / n_features`` on a periodic axis.
    tau_sensory, tau_association, tau_pfc : time constants of V1/A1, of parietal/temporal/amygdala,
        and of PFC.
    feedback_mode : 'gain' (multiplicative, the default) or 'bias' (additive) for every feedback
        projection; ``feedback_scale`` multiplies their weights, ``feedback_delay`` delays them.
    stimuli : the trial's stimuli (see `visual`, `auditory`, `cue`, `value`); default a selective
        attention trial: a cue at 0.25 for 200 ms, then two equal visual stimuli at 0.25 and 0.75.
    feedforward_plasticity : a plasticity rule, or its mapping
        (``{"rule": "gated", "rate": 2.0, "gate": {"area": "PFC"}}``), put on every feedforward projection.

    Examples
    --------
    >>> spec = cortical_hierarchy(n_features=8)
    >>> list(spec.areas)
    ['V1', 'A1', 'parietal', 'temporal', 'PFC', 'amygdala']
    """
    axis = _axis()
    sensory = dict(n=n_features, tau=tau_sensory, transfer=ReLU(), features=axis)
    areas = {
        "V1": Area(**sensory),
        "A1": Area(**sensory),
        "parietal": Area(n=n_features, tau=tau_association, transfer=Sigmoid(gain=3.0, threshold=1.0),
                         competition=Lateral(alpha=0.5, beta=1.0, weights=Uniform(value=0.4)), features=axis),
        "temporal": Area(n=n_features, tau=tau_association, transfer=ReLU(),
                         competition=Divisive(beta=1.0, sigma=0.2, weights=Uniform(value=1.0)), features=axis),
        "PFC": Area(n=n_features, tau=tau_pfc, transfer=Sigmoid(gain=8.0, threshold=0.5),
                    competition=Lateral(alpha=1.0, beta=1.0, weights=Uniform(value=1.0)), features=axis),
        "amygdala": Area(n=n_features, tau=tau_association, transfer=Sigmoid(gain=10.0, threshold=0.9),
                         features=axis),
    }
    narrow = 0.5 / n_features  # one unit spacing is 1/n_features
    ff = dict(kind="feedforward", mode="bias", plasticity=feedforward_plasticity)
    fb = dict(kind="feedback", mode=feedback_mode, delay=feedback_delay)
    projections = [
        Projection(source="V1", target="parietal", weights=Gaussian(amplitude=0.5, sigma=narrow), **ff),
        Projection(source="A1", target="parietal", weights=Gaussian(amplitude=0.5, sigma=narrow), **ff),
        Projection(source="V1", target="temporal", weights=Gaussian(amplitude=1.0, sigma=0.15), **ff),
        Projection(source="V1", target="amygdala", weights=Gaussian(amplitude=0.3, sigma=narrow), **ff),
        Projection(source="parietal", target="PFC", weights=Gaussian(amplitude=0.25, sigma=narrow), **ff),
        Projection(source="temporal", target="PFC", weights=Gaussian(amplitude=0.1, sigma=narrow), **ff),
        Projection(source="amygdala", target="PFC", weights=Gaussian(amplitude=0.6, sigma=narrow), **ff),
        Projection(source="PFC", target="parietal", weights=Gaussian(amplitude=1.0, sigma=narrow),
                   scale=feedback_scale, **fb),
        Projection(source="PFC", target="temporal", weights=Gaussian(amplitude=0.1, sigma=narrow),
                   scale=feedback_scale, **fb),
        Projection(source="parietal", target="V1", weights=Gaussian(amplitude=0.5, sigma=narrow),
                   scale=feedback_scale, **fb),
        Projection(source="parietal", target="A1", weights=Gaussian(amplitude=0.5, sigma=narrow),
                   scale=feedback_scale, **fb),
        Projection(source="temporal", target="V1", weights=Gaussian(amplitude=0.2, sigma=narrow),
                   scale=feedback_scale, **fb),
    ]
    if neuron is not None:
        areas["temporal"] = areas["temporal"].replace(competition=Lateral(alpha=0.0, beta=0.2,
                                                                          weights=Uniform(value=1.0)))
    if stimuli is None:
        stimuli = [cue(0.25, onset="0 ms", offset="200 ms", name="cue"),
                   visual(0.25, onset="300 ms", name="left"), visual(0.75, onset="300 ms", name="right")]
    spec = NetworkSpec(name="cortical-hierarchy" if neuron is None else "cortical-hierarchy (spiking)",
                       description="V1/A1 -> parietal/temporal -> PFC (+ amygdala salience), with top-down "
                                   "feedback closing the loop",
                       areas=areas, projections=projections, stimuli=list(stimuli))
    if neuron is None:
        return spec
    from neuroattn.models.spiking import spiking_form

    return spiking_form(spec, neuron, rate_unit=rate_unit)
