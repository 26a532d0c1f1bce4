"""Forms of the supervision pages."""
