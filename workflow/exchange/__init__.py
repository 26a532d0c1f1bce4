"""The exchange between the external and the internal zone (DESIGN.md §2, docs/exchange.md)."""
