"""routeplan_api: the HTTP service for dispatchers, a thin adapter over the routeplan core."""

__all__: list[str] = []
