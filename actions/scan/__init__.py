"""Security scans of a release: SAST (bandit), secrets (detect-secrets), the deployed endpoints
and a dependency audit (pip-audit). `step.run` is the entry point; each scanner is a module."""
