"""Workflows over the core: assemble a problem, re-plan a day, compare scenarios, synthetic days."""
