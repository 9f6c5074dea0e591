"""Insured population: one import path for its columns, synthesis, projection and files.

The parts, each with its assumptions in its module docstring:

- :mod:`simulator.population_columns`: :class:`Population`, people as read-only numpy columns
  (docs/model.md, "Population"), and the scheme / sex codes;
- :mod:`simulator.population_synthesis`: the base-year persons drawn from ``[population]``
  (:func:`synthesize_population`; age, sex with probability :data:`MALE_SHARE`, scheme, chronic
  flags, signing, villages and distances);
- :mod:`simulator.population_projection`: each later year from the year before
  (:func:`project_population`, :func:`projected_years`: headcount, ageing, incidence, signing);
- :mod:`simulator.population_files`: :func:`read_population` and :func:`write_population`.

Randomness comes only from ``numpy.random.Generator`` streams built from
``SeedSequence([seed, tag, ...])`` (:data:`POPULATION_TAG`, :data:`PROJECTION_TAG`); no global RNG.
"""

from __future__ import annotations

from simulator.population_columns import COLUMNS, SCHEMES, SEXES, Population
from simulator.population_files import read_population, write_population
from simulator.population_projection import (PROJECTION_TAG, project_population, project_step,
                                             projected_years)
from simulator.population_synthesis import (CHILD_PROPENSITY, MALE_SHARE, POPULATION_TAG,
                                            RETIREE_PROPENSITY, VILLAGE_SIZE_SHAPE,
                                            WORKING_PROPENSITY, employee_probability,
                                            synthesize_population)

__all__ = ["CHILD_PROPENSITY", "COLUMNS", "MALE_SHARE", "POPULATION_TAG", "PROJECTION_TAG",
           "RETIREE_PROPENSITY", "SCHEMES", "SEXES", "VILLAGE_SIZE_SHAPE", "WORKING_PROPENSITY",
           "Population", "employee_probability", "project_population", "project_step",
           "projected_years", "read_population", "synthesize_population", "write_population"]
