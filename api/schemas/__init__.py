"""Request and response models of the HTTP contract (pydantic, at the edge only)."""
