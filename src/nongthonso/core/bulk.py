"""Writing many rows of one model from an iterator, in batches (bounded memory, few statements); comparing
stored rows with rows computed afresh."""

from collections import Counter
from collections.abc import Iterable
from itertools import islice


def insert_in_batches(model, objects: Iterable, batch: int = 2000) -> int:
    """``bulk_create`` ``objects`` (model instances, consumed lazily) ``batch`` at a time; returns how many."""
    it, n = iter(objects), 0
    while chunk := list(islice(it, batch)):
        model.objects.bulk_create(chunk)
        n += len(chunk)
    return n


def differences(stored: Iterable[tuple], fresh: Iterable[tuple]) -> list[str]:
    """What ``stored`` lacks («thiếu») and holds beyond ``fresh`` («thừa»), each row as many times as it is
    missing or extra — a row stored twice is a difference (compared as multisets, not sets)."""
    have, want = Counter(stored), Counter(fresh)
    return ([f"thiếu {row}" for row in sorted((want - have).elements(), key=str)]
            + [f"thừa {row}" for row in sorted((have - want).elements(), key=str)])
