"""Models fitted to behaviour and to tuning curves: a two-population decision circuit and a tuned population."""
from __future__ import annotations

from neuroattn.spec import NetworkSpec


def wong_wang(mu: float = 0.0156, coh: float = 0.0, baseline: float = 0.3255, noise: float = 0.02,
              noise_tau: str = "10 ms", J_self: float = 0.2609, J_cross: float = 0.0497) -> NetworkSpec:
    """The reduced two-variable decision model of Wong & Wang (2006), as an area with its own dynamics.

    ``u`` is each population's NMDA gating variable S; its rate is ``H(x)`` of the total input
    ``x = J_self S_i - J_cross S_j + I0 + mu (1 ± coh) + noise`` (nA), with
    ``H(x) = (a x - b) / (1 - exp(-d (a x - b)))``, a = 270 Hz/nA, b = 108 Hz, d = 0.154 s:

        dS_i/dt = -S_i/tau_S + (1 - S_i) gamma H(x_i),  tau_S = 100 ms, gamma = 0.641.

    Unit 0 receives ``mu (1 + coh)``: it is the correct choice for ``coh > 0``. The noise is
    Ornstein-Uhlenbeck (stationary sd `noise` nA; Wong & Wang use 2 ms, 10 ms lets dt = 1 ms).
    ``load_spec("wong_wang")`` (``neuroattn/models/specs/wong_wang.yaml``) is the same model.

    Examples
    --------
    >>> wong_wang(coh=0.256).areas["LIP"].dynamics.parameters["coh"]
    0.256
    """
    return NetworkSpec.from_dict({
        "name": "wong-wang-2006",
        "description": "Reduced two-population decision circuit (Wong & Wang 2006)",
        "areas": {"LIP": {
            "n": 2, "transfer": "linear", "baseline": baseline,
            "dynamics": {
                "equations": "du/dt = -u/tau_s + (1 - u)*gamma*H : 1\n"
                             "H = (a*x - b)/(1 - exp(-d*(a*x - b))) : Hz\n"
                             "x = rec + I + mu*(1 + side*coh) : 1",
                "parameters": {"tau_s": "100 ms", "gamma": 0.641, "a": "270 Hz", "b": "108 Hz", "d": "0.154 s",
                               "mu": mu, "side": [1.0, -1.0], "coh": coh},
                "weights": [[J_self, -J_cross], [-J_cross, J_self]]}}},
        "stimuli": [{"name": "noise", "area": "LIP", "amplitude": 0.0,
                     "noise": {"sigma": noise, "tau": noise_tau}}]})


def tuned_population(n: int = 8, g: float = 1.0, width: float = 1.5, beta: float = 0.5, center: float = 3.5,
                     contrast: float = 1.0, noise: float = 0.05) -> NetworkSpec:
    """`n` units with Gaussian tuning to a stimulus at `center`, divisively normalised by their mean rate:

        tau du_i/dt = -u_i + g c exp(-(x_i - s)^2 / (2 width^2)) / (1 + beta mean_j r_j) + noise,

    with preferred features ``x_i = i``, ReLU rates, tau = 10 ms and OU noise of sd `noise`. Contrast
    ``c`` scales the drive, so gain ``g`` and normalisation ``beta`` can be told apart across contrasts.

    Examples
    --------
    >>> tuned_population().areas["V4"].n
    8
    """
    return NetworkSpec.from_dict({
        "name": "tuned-population",
        "areas": {"V4": {
            "n": n, "transfer": "relu",
            "dynamics": {
                "equations": "du/dt = (-u + g*c*exp(-(x - s)**2/(2*width**2))/(1 + beta*rec) + I)/tau : 1",
                "parameters": {"tau": "10 ms", "g": g, "width": width, "beta": beta, "s": center, "c": contrast,
                               "x": [float(i) for i in range(n)]},
                "weights": {"kind": "uniform", "value": 1.0 / n}}}},
        "stimuli": [{"name": "noise", "area": "V4", "amplitude": 0.0, "noise": {"sigma": noise, "tau": "10 ms"}}]})


__all__ = ["wong_wang", "tuned_population"]
