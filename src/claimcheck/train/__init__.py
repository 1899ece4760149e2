"""Training recipes: claimcheck's default NLI model (``claimcheck train nli``)."""

from claimcheck.train.recipe import train_nli

__all__ = ["train_nli"]
