"""Plain keyword-argument functions that build test data through the real services."""
