"""Chaos experiments: experiments as validated data, the safety guards and rollback plans, and the
fault-injection proxy for the local environment. Not yet wired to the `chaos` verb or step."""
