"""Runners that move items through the pipeline into the archive."""
