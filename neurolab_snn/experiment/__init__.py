"""Protocols: stimulus + simulation + analysis, returning a ProtocolResult (layer L4).

Each module here may define ``PROTOCOLS = {"name": function}``; they are
collected by :func:`protocols`.
"""
from .result import ProtocolResult, get_protocol, protocols, run_protocol

__all__ = ["ProtocolResult", "get_protocol", "protocols", "run_protocol"]
