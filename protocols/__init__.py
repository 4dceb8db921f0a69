"""Runnable protocol scripts: ``python protocols/<name>.py --out DIR [--quick]``."""
