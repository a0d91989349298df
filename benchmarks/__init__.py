"""Benchmark scripts, run one by one (each module says how); ``_sql`` is what they share."""
