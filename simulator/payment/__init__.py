"""Provider payment (how fund money reaches providers): the method registry, its parameter tables,
the points engine (DRG) and the valuation of a year's flows."""
