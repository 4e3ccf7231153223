"""Points inside the core: WGS-84 (lon, lat) tuples, checked once when they enter."""

from __future__ import annotations

import math

from routeplan.domain.errors import InvalidInput

type LonLat = tuple[float, float]


def check_lonlat(point: LonLat, field: str = "lon/lat") -> LonLat:
    """Reject NaN and out-of-range coordinates, naming `field` and the value."""
    lon, lat = point
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidInput(f"{field}: ({lat}, {lon}) is not a number")
    if not -90.0 <= lat <= 90.0:
        hint = " (lat and lon swapped?)" if -90.0 <= lon <= 90.0 else ""
        raise InvalidInput(f"{field}: lat {lat} is outside -90..90{hint}")
    if not -180.0 <= lon <= 180.0:
        raise InvalidInput(f"{field}: lon {lon} is outside -180..180")
    return point
