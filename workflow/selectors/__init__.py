"""Reads: ``citizen`` (applications and their timeline) and ``workbench`` (the inbox)."""
