"""Declared schemas for every local source: fields, types, codes, aliases and row rules.

`local.py` declares each file kind as data; `validate.py` turns a declaration into a pandera schema and
splits a file into loaded rows and quarantined rows.
"""
