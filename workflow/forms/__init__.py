"""Forms: ``citizen`` (applications, supplements, withdrawal, tracking) and ``workbench`` (the clerks)."""
