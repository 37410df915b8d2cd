"""The end of a run: the gate, the verdict and the readiness report."""
