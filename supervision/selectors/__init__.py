"""Reads behind the supervision pages."""
