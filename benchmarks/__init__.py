"""mcsim benchmark suite (not tests: never collected by pytest). Entry point: ``benchmarks/run.py``."""
