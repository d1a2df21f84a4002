"""Seeded Ornstein-Uhlenbeck input noise, the same numbers on every code-generation target.

Point ``k`` and stimulus ``s`` draw from ``default_rng(SeedSequence(seed_k, spawn_key=(s,)))``, so a
point's noise depends only on its seed and the stimulus, never on which batch or chunk it ran in.
Runtime targets advance the process step by step (drawing normals in blocks); ``cpp_standalone`` gets
the whole trajectory at once. Both give identical values.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

#: Steps of normals drawn per call; large enough to amortise the draw, small enough for memory.
BLOCK = 1024


class OUProcess:
    """Euler–Maruyama OU noise for one stimulus across K points of n units.

    ``eta[0] = 0``; ``eta[k+1] = eta[k] - dt/tau*eta[k] + sigma*sqrt(2*dt/tau)*xi[k]``.

    Parameters
    ----------
    seeds : sequence of int
        One seed per point.
    stimulus : int
        The stimulus's index in the spec (keeps streams of different stimuli independent).
    sigma, tau : array, shape (K, n)
        Stationary standard deviation and time constant (seconds).
    dt : float
        Step in seconds.
    n_steps : int, optional
        Steps of the run, if known: no more normals are drawn than it needs.
    """

    @classmethod
    def of(cls, params, stimulus: int, seeds: Sequence[int], dt: float, n_steps: int) -> "OUProcess":
        """The noise of stimulus `stimulus` in a batch (`BatchParams`: its sigma and tau per point)."""
        return cls(seeds, stimulus, params.noise_sigma[stimulus], params.noise_tau[stimulus], dt, n_steps)

    def __init__(self, seeds: Sequence[int], stimulus: int, sigma: np.ndarray, tau: np.ndarray, dt: float,
                 n_steps: Optional[int] = None):
        # points with one seed share one stream: draw it once (a sweep's rows, a fit's candidates)
        distinct, self._stream = np.unique(np.asarray([int(s) for s in seeds], np.int64), return_inverse=True)
        self._rngs = [np.random.default_rng(np.random.SeedSequence(int(s), spawn_key=(stimulus,)))
                      for s in distinct]
        self.n = sigma.shape[1]
        self._decay = (dt / tau).ravel()
        self._kick = (sigma * np.sqrt(2.0 * dt / tau)).ravel()
        self.value = np.zeros(sigma.size)
        self._block = np.empty((0, sigma.size))
        self._pos = 0
        # a run of n steps uses n - 1 draws: a shorter run draws no more (a generator's stream does not
        # depend on how it is cut into blocks, so the numbers are the same)
        self._block_steps = BLOCK if n_steps is None else int(min(BLOCK, max(n_steps - 1, 1)))

    def _normals(self) -> np.ndarray:
        if self._pos == len(self._block):
            draws = np.stack([rng.standard_normal((self._block_steps, self.n)) for rng in self._rngs], axis=1)
            self._block = draws[:, self._stream].reshape(self._block_steps, -1)
            self._pos = 0
        xi = self._block[self._pos]
        self._pos += 1
        return xi

    def advance(self) -> np.ndarray:
        """Move one step on; returns the new value (a view that the next call overwrites)."""
        self.value += -self._decay * self.value + self._kick * self._normals()
        return self.value

    def trajectory(self, n_steps: int) -> np.ndarray:
        """``eta`` at steps ``0 .. n_steps-1``, shape (n_steps, K*n)."""
        out = np.empty((n_steps, self.value.size))
        out[0] = self.value
        for k in range(1, n_steps):
            out[k] = self.advance()
        return out
