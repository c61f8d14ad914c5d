"""Models arrive with this app's issue; see the package docstring."""
