"""Connects the progress signals to certificate issue and revocation."""
