"""Ceasefire-violation tracker: count reports in DuckDB, turned into a correct daily series."""
