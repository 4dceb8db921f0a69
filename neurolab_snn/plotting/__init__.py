"""Matplotlib panels from protocol results (layer L5)."""
