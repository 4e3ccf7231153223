"""Analysts' output adapters: comparison charts and the HTML report."""
