"""Travel times and distances between points, from interchangeable sources."""

from routeplan.travel.haversine import HaversineMatrix
from routeplan.travel.matrix import UNREACHABLE, Matrices, TravelMatrix

__all__ = ["UNREACHABLE", "HaversineMatrix", "Matrices", "TravelMatrix"]
