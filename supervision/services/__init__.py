"""Every change to supervision data: ``sweep`` (rules → alerts) and ``alerts`` (handling them)."""
