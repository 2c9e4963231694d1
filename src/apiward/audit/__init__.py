"""Static review of an API: its contract, its code and its dependencies."""
