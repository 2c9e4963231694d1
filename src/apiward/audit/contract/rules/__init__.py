"""Contract rules, one module per theme; each module exposes ``RULES``, a tuple of rules."""
