"""``python -m claimcheck ...``: the same command as ``claimcheck ...``."""

from claimcheck.cli import main

if __name__ == "__main__":
    main()
