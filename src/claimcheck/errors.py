"""The claimcheck error and warning hierarchy.

Every message says what went wrong, the offending value, and the fix. Each error also inherits from
the built-in exception a caller would naturally catch (``ValueError``, ``FileNotFoundError`` ...).
"""

from __future__ import annotations


class ClaimcheckError(Exception):
    """Base class of every error raised by claimcheck."""


class ConfigError(ClaimcheckError, ValueError):
    """A configuration file or override is malformed or names an unknown key."""


class InputError(ClaimcheckError, ValueError):
    """The article or claim input is empty, binary, too large or otherwise unusable."""


class ReferenceSetError(ClaimcheckError, FileNotFoundError):
    """The reference set is missing, empty or in an unknown format."""


class ModelLoadError(ClaimcheckError, OSError):
    """A model could not be found, verified or loaded."""


class LabelMappingError(ClaimcheckError, ValueError):
    """A model's ``config.id2label`` cannot be mapped onto entailment/neutral/contradiction."""


class DataError(ClaimcheckError, ValueError):
    """A dataset file is missing or not in the expected format."""


class ClaimcheckWarning(UserWarning):
    """Something the user can fix, which did not stop the run."""


__all__ = [
    "ClaimcheckError",
    "ClaimcheckWarning",
    "ConfigError",
    "DataError",
    "InputError",
    "LabelMappingError",
    "ModelLoadError",
    "ReferenceSetError",
]
