"""claimcheck."""
