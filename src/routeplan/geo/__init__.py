"""Henan geography: prefectures, coordinate systems and address geocoding."""
