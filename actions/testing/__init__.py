"""The testing steps of a readiness run: e2e (a JUnit-reporting suite) and load (Locust)."""
