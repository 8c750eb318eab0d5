"""The DuckDB warehouse: its data model, how it is built and swapped in, and how the app opens it."""
