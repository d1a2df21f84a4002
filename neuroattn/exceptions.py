"""The exceptions and warnings neuroattn raises.

Every error that comes from bad user input is a `NeuroAttnError`, so callers can catch one type; its
message is one line that names the field, the constraint and the value received.
"""


class NeuroAttnError(Exception):
    """Base class of every error neuroattn raises on purpose."""


class SpecError(NeuroAttnError, ValueError):
    """A model specification is malformed: a field is missing, mistyped or out of range.

    Examples
    --------
    >>> from neuroattn import Area
    >>> Area(n=-1, tau="10 ms")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    SpecError: Area.n: must be >= 1 (got -1)
    """


#: Alias kept for readers who know pydantic's name for the same thing.
ValidationError = SpecError


class BuildError(NeuroAttnError):
    """A valid spec cannot be turned into a Brian2 network with the chosen options."""


class SimulationError(NeuroAttnError):
    """Running a built network failed, or the run arguments are invalid."""


class SweepError(NeuroAttnError):
    """A parameter sweep is malformed, or its store belongs to another sweep."""


class FitError(NeuroAttnError):
    """A fit is malformed (a parameter path, bounds, data, objective), or its store belongs to another fit."""


class NeuroAttnWarning(UserWarning):
    """Base class of neuroattn's warnings."""


class DivergenceWarning(NeuroAttnWarning, RuntimeWarning):
    """The dynamics ran away (non-finite or huge states); the result is flagged ``diverged``."""


class NumericsWarning(NeuroAttnWarning, RuntimeWarning):
    """The run settings may give inaccurate numbers (a step close to a time constant, times that are
    not whole steps)."""
