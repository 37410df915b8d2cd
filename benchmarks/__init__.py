"""Reproducible speed, memory and accuracy measurements: `./dev bench`."""
