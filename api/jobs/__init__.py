"""Solving jobs: the queues that run them (local pool, RQ) and the one runner for every kind."""
