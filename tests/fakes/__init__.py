"""Fakes that speak the real protocols of outside systems, on 127.0.0.1 (see slack_api.py)."""
