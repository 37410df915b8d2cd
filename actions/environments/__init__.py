"""The targets every step acts on: `local` (processes on loopback) and, later, `kubernetes`."""
