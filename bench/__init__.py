"""Performance figures of SPEC §8 against the project's own servers (`python -m bench`)."""
