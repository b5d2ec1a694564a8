"""Writing many rows of one model from an iterator, in batches (bounded memory, few statements)."""

from collections.abc import Iterable
from itertools import islice


def insert_in_batches(model, objects: Iterable, batch: int = 2000) -> int:
    """``bulk_create`` ``objects`` (model instances, consumed lazily) ``batch`` at a time; returns how many."""
    it, n = iter(objects), 0
    while chunk := list(islice(it, batch)):
        model.objects.bulk_create(chunk)
        n += len(chunk)
    return n
