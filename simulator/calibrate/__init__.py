"""Calibration to a county's own figures, claims-data import, and validation against public statistics.

    from simulator.calibrate import load_targets, calibrate, read_claims, claims_targets
    spec = load_targets("targets.toml")            # [[target]] and [[parameter]] entries
    fit = calibrate(scenario, spec)                # simulated least squares, common random numbers
    fit.table; fit.parameters; dump_scenario(fit.scenario, "calibrated.toml")

Modules: :mod:`~simulator.calibrate.targets` (the file format), :mod:`~simulator.calibrate.measures`
(derived measures, one table), :mod:`~simulator.calibrate.fit`, :mod:`~simulator.calibrate.claims`
(reading and checking claims, targets from claims), :mod:`~simulator.calibrate.report` (fit
tables) and :mod:`~simulator.calibrate.validation` (the reference scenario against national figures).
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_targets", "calibrate", "read_claims", "claims_targets", "Fit", "CalibrationSpec"]


def __getattr__(name: str) -> Any:  # lazy: importing the package does not import scipy or pandas
    if name in ("load_targets", "CalibrationSpec"):
        from simulator.calibrate import targets
        return getattr(targets, name)
    if name in ("calibrate", "Fit"):
        from simulator.calibrate import fit
        return getattr(fit, name)
    if name in ("read_claims", "claims_targets"):
        from simulator.calibrate import claims
        return getattr(claims, name)
    raise AttributeError(f"module 'simulator.calibrate' has no attribute {name!r}")
