"""Deploying a release into an environment, and rolling it back."""
