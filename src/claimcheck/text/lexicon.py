"""Word lists shared by stages (flags' intensifiers are also stance's modifier stoplist)."""

from __future__ import annotations

DEFAULT_INTENSIFIERS: tuple[str, ...] = (
    "robust", "pivotal", "steadfast", "unwavering", "unprecedented", "historic", "landmark",
    "ironclad", "crucial", "vital", "decisive", "staunch", "enduring", "cornerstone", "linchpin",
    "solid", "seamless", "groundbreaking", "game-changing", "remarkable", "tremendous",
    "monumental", "unparalleled", "deepened", "firmly", "largest", "biggest", "strongest",
    "first-ever", "greatest",
)
