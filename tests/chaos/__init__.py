"""Tests of the chaos package: fault models and the fault-injection proxy."""
