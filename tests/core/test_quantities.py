"""core/quantities.py: the one quantity parser, read by the number checker and the reports."""

from decimal import Decimal

from duban.core.quantities import narrow, quantities
from duban.textkit import numbers as N


def test_quantities_with_their_units_and_approximations():
    found = quantities(narrow("涉及22.44万平方米、二十八项、约30户，加装电梯１２台"))
    assert [(q.value, q.unit, q.approx) for q in found] == [
        (Decimal("224400"), "平方米", False),
        (Decimal(28), "项", False),
        (Decimal(30), "户", True),
        (Decimal(12), "台", False),
    ]


def test_the_checker_reads_with_the_same_parser():
    assert N.quantities is quantities and N.narrow is narrow
