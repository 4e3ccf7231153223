"""routeplan: lawful field-visit routes for Henan, from the day's cases and team shifts."""

__version__ = "0.1.0"
