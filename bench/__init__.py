"""Performance figures against the project's own servers (`python -m bench`)."""
