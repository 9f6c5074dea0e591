"""``mcsim explain``: an exact additive decomposition of a change of fund spending, total cost,
balance and community net into enrolment, volume, case mix, unit price, tier shift, benefit,
payment and settlement (docs/explain.md).

Modules: :mod:`.shapley` (the Shapley split of a change), :mod:`.chain` (the factor chains over
the flows' cells, world by world) and :mod:`.sides` (the two ends from stored results, checked,
and the summary over worlds).
"""

from simulator.explain.chain import MEASURES, PARTS
from simulator.explain.sides import Explanation, explain

__all__ = ["MEASURES", "PARTS", "Explanation", "explain"]
