"""Views: ``citizen`` (external zone) and ``workbench`` (internal zone)."""
