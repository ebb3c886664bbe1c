"""Precision and recall of the number checker on the labelled set (tests/textkit/labelled.py).

A finding is right when a label of its paragraph has the same kind and a piece of text the
finding quotes. Run with -s to see the figures; the floors sit a little below what the
checker reaches so that a regression fails, not a rewording."""

from duban.textkit import numbers as N
from tests.textkit.labelled import CASES

PRECISION_FLOOR = 0.9
RECALL_FLOOR = 0.85


def score(cases=CASES):
    found = right = labels = hit = 0
    misses, false_alarms = [], []
    for text, expected in cases:
        findings = N.check_text(text)
        found += len(findings)
        labels += len(expected)
        used = set()
        for f in findings:
            match = next(
                (
                    i
                    for i, (kind, piece) in enumerate(expected)
                    if i not in used and kind == f.kind and (piece in f.quote or f.quote in piece)
                ),
                None,
            )
            if match is None:
                false_alarms.append((text, f.line()))
            else:
                used.add(match)
                right += 1
        hit += len(used)
        misses += [(text, expected[i]) for i in range(len(expected)) if i not in used]
    precision = right / found if found else 1.0
    recall = hit / labels if labels else 1.0
    return precision, recall, misses, false_alarms


def test_the_set_is_large_enough():
    assert len(CASES) >= 40
    assert sum(1 for _text, expected in CASES if expected) >= 20
    assert sum(1 for _text, expected in CASES if not expected) >= 15


def test_precision_and_recall():
    precision, recall, misses, false_alarms = score()
    print(
        f"\n数字核对 labelled set: {len(CASES)} paragraphs, "
        f"precision {precision:.3f}, recall {recall:.3f}"
    )
    for text, label in misses:
        print("  missed:", label, text[:40])
    for _text, line in false_alarms:
        print("  false alarm:", line)
    assert precision >= PRECISION_FLOOR, false_alarms
    assert recall >= RECALL_FLOOR, misses


def test_held_out_precision_and_recall():
    from tests.textkit.labelled import HELDOUT

    precision, recall, misses, false_alarms = score(HELDOUT)
    print(
        f"\n数字核对 held-out set: {len(HELDOUT)} paragraphs, "
        f"precision {precision:.3f}, recall {recall:.3f}"
    )
    for text, label in misses:
        print("  missed:", label, text[:40])
    for _text, line in false_alarms:
        print("  false alarm:", line)
    assert precision >= 0.85, false_alarms
    assert recall >= 0.8, misses


def test_second_held_out_precision_and_recall():
    from tests.textkit.labelled import HELDOUT2

    precision, recall, misses, false_alarms = score(HELDOUT2)
    print(
        f"\n数字核对 second held-out set: {len(HELDOUT2)} paragraphs, "
        f"precision {precision:.3f}, recall {recall:.3f}"
    )
    for text, label in misses:
        print("  missed:", label, text[:40])
    for _text, line in false_alarms:
        print("  false alarm:", line)
    assert precision >= 0.85, false_alarms
    assert recall >= 0.8, misses


def test_third_held_out_precision_and_recall():
    from tests.textkit.labelled import HELDOUT3

    precision, recall, misses, false_alarms = score(HELDOUT3)
    print(
        f"\n数字核对 third held-out set: {len(HELDOUT3)} paragraphs, "
        f"precision {precision:.3f}, recall {recall:.3f}"
    )
    for text, label in misses:
        print("  missed:", label, text[:40])
    for _text, line in false_alarms:
        print("  false alarm:", line)
    assert precision >= 0.9, false_alarms
    assert recall >= 0.8, misses
