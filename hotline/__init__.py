"""Shared core of the hotline: settings, models, service rules and metrics.

The three apps (ami_listener, ivr, web) import this package; they never import each other.
"""

__version__ = "0.1.0"
