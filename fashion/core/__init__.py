"""Foundations every stage uses: the params schema, paths, errors, atomic writes, the entry point."""
