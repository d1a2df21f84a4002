"""A rate network in spiking form: every area becomes LIF (or AdEx) neurons, one neuron per unit.

`spiking_form` maps each rate area onto a neuron model so that a rate of 1 is a firing rate of
``rate_unit`` and the neuron's f–I curve spans the transfer function's rising part:

- the area's ``tau`` becomes its synaptic time constant (``tau_exc = tau_inh = tau``): the rate
  model is the spiking model with slow synapses, smoothed over the same time;
- the refractory period is ``1 / (2 rate_unit)``, so rates saturate near twice ``rate_unit``, as a
  sigmoid saturates (and every loop stays bounded);
- input ``x`` (in the rate model's units) is a mean depolarisation ``baseline + D x`` (mV), with ``D``
  and ``baseline`` such that the neuron starts firing where ``f(x) = 0.05`` and fires at
  ``rate_unit`` where ``f(x) = 0.95`` (the LIF closed form
  ``1/rate = t_ref + tau_m ln((V + v_rest - v_reset)/(V + v_rest - v_threshold))``; for AdEx an
  approximation);
- stimuli and rate inputs: ``input_rate = D / (input_weight * tau)``, so a value ``x`` is Poisson input
  of mean depolarisation ``D x``;
- a projection between spiking areas: weight ``w`` becomes ``w D / (rate_unit * tau)`` mV per spike,
  so a source firing at ``rate_unit`` gives the target a mean depolarisation of ``w D``; where the
  source is spiking and the target reads a rate (a rate area, a gain), ``scale`` is divided by
  ``rate_unit``;
- the competition: ``competition_weight = D / (rate_unit * tau)`` per unit of its linearised coupling.

The spiking form matches the rate model qualitatively (which unit wins, what attention enhances),
not number for number: one neuron per unit has Poisson-like variability and its own f–I shape.
"""
from __future__ import annotations

from typing import Union

import numpy as np

from neuroattn.exceptions import NeuroAttnError
from neuroattn.spec import NetworkSpec
from neuroattn.spec.neurons import NEURONS, si


def spiking_form(spec: NetworkSpec, neuron: Union[str, dict] = "lif", *, rate_unit: float = 50.0) -> NetworkSpec:
    """`spec` with every rate area spiking (see the module docstring for the mapping).

    Parameters
    ----------
    neuron : a neuron model name (``'lif'``, ``'adex'``) or its mapping (``{"model": "adex", "a": 2}``);
        its ``tau_exc``, ``tau_inh``, ``input_rate`` and ``competition_weight`` are set per area.
    rate_unit : the firing rate (Hz) that stands for a rate of 1.

    Examples
    --------
    >>> from neuroattn.models import seed_competition
    >>> spiking_form(seed_competition()).areas["V1"].spiking
    True
    """
    if rate_unit <= 0:
        raise NeuroAttnError(f"rate_unit: must be a positive rate in Hz (got {rate_unit!r})")
    base = {"model": neuron} if isinstance(neuron, str) else dict(neuron)
    try:
        model = NEURONS[base.get("model", "lif")](**base)
    except KeyError:
        raise NeuroAttnError(f"neuron: unknown neuron model {base.get('model')!r} "
                             f"(choose {', '.join(NEURONS.names())})") from None
    except ValueError as err:
        raise NeuroAttnError(f"neuron: {' '.join(str(err).split())}") from err
    from scipy.optimize import brentq

    t_ref = 1.0 / (2.0 * rate_unit)
    v_rest, v_th, v_reset, tau_m = (si(getattr(model, k)) for k in ("v_rest", "v_threshold", "v_reset", "tau_m"))
    span = 1e3 * (v_th - v_rest)  # mV from rest to threshold: the rheobase depolarisation

    def lif_rate(v: float) -> float:  # the LIF's rate (Hz) at a mean depolarisation v (mV) above rheobase
        v = 1e-3 * v
        return 1.0 / (t_ref + tau_m * np.log((v + v_rest - v_reset) / (v + v_rest - v_th)))

    at_unit = brentq(lambda v: lif_rate(v) - rate_unit, span * (1 + 1e-9), 100 * span)
    converted, areas = {}, {}
    for name, area in spec.areas.items():
        if area.spiking:
            areas[name] = area
            continue
        if area.tau is None:
            raise NeuroAttnError(f"areas.{name}.dynamics: an area with its own equations has no spiking form")
        x0, x1 = (_input_at(area.transfer, level, name) for level in (0.05, 0.95))
        depol = (at_unit - span) / (x1 - x0)  # mV per unit of input
        synaptic = depol / (rate_unit * area.tau)  # mV per spike per unit weight
        converted[name] = synaptic
        params = {**base, "tau_exc": f"{area.tau * 1e3:.6g} ms", "tau_inh": f"{area.tau * 1e3:.6g} ms",
                  "input_rate": f"{depol / (1e3 * si(model.input_weight) * area.tau):.6g} Hz",
                  "competition_weight": f"{synaptic:.6g} mV", "refractory": f"{1e3 * t_ref:.6g} ms"}
        baseline = span - depol * x0 + depol * np.asarray(area.baseline)
        areas[name] = area.replace(neuron=params, baseline=np.round(baseline, 6).tolist()
                                   if baseline.ndim else round(float(baseline), 6))
    projections = []
    for proj in spec.projections:
        source, target = areas[proj.source].spiking, areas[proj.target].spiking
        if not (proj.source in converted or proj.target in converted):
            projections.append(proj)
        elif source and (proj.mode == "gain" or not target):  # the source's rate read in Hz
            projections.append(proj.replace(scale=proj.scale / rate_unit))
        elif source and proj.target in converted:  # synapses of mV per spike
            projections.append(proj.replace(scale=proj.scale * converted[proj.target]))
        else:  # a rate source: input in the target's units of input (input_rate)
            projections.append(proj)
    return spec.replace(areas=areas, projections=projections)


def _input_at(transfer, level: float, name: str) -> float:
    """The input x at which the transfer function reaches `level`."""
    c = transfer.constants()
    f = transfer.f
    with np.errstate(over="ignore"):
        return _solve(f, c, level, name)


def _solve(f, c, level: float, name: str) -> float:
    from scipy.optimize import brentq

    lo, hi = -100.0, 100.0
    f_lo, f_hi = float(f(np.array(lo), c)) - level, float(f(np.array(hi), c)) - level
    if f_lo * f_hi > 0:
        raise NeuroAttnError(f"areas.{name}.transfer: never reaches a rate of {level:g}; no spiking form")
    return brentq(lambda x: float(f(np.array(x), c)) - level, lo, hi, xtol=1e-12)


__all__ = ["spiking_form"]
