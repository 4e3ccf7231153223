"""Travel times and distances between points, from interchangeable sources."""

from routeplan.domain.travel import UNREACHABLE, Matrices
from routeplan.travel.haversine import HaversineMatrix
from routeplan.travel.matrix import TravelMatrix

__all__ = ["UNREACHABLE", "HaversineMatrix", "Matrices", "TravelMatrix"]
