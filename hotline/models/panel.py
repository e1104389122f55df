"""panel models (filled in by their feature)."""

__all__: list[str] = []
