"""Data spine: published national data, the synthetic local extract, and the ingest into one DuckDB warehouse.

Run `python -m data --help` for the command line (ingest, status, national, synth).
"""
