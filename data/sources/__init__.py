"""Readers: one module per published or local file format. Each returns pandas frames in the warehouse shape."""
