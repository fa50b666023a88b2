"""The test suite: pytest with pytest-django, one file per area (see the README)."""
