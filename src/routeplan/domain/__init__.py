"""Frozen domain values: visits, teams, policy, problem and plan."""
