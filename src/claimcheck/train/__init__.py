"""Training recipes: claimcheck's default NLI model (``claimcheck train nli``)."""

from claimcheck.train.nli import train_nli

__all__ = ["train_nli"]
