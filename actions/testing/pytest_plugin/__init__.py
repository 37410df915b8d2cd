"""preprod's pytest plugin for e2e suites; its folder is put on the suite's PYTHONPATH."""
