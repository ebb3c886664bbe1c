"""分单规则 (routing rules) as rules without a database: which unit a request goes to by
its category and community.

A rule names a category (it also covers that category's sub-categories), a community,
or both, and the unit. Of the rules that match a request, the most specific wins:
the nearest category first (the request's own category before its parent, any
category last), then a rule naming the community before one that does not, then the
older rule. A rule proposes a dispatch the office accepts in one click; a rule with
自动分单 dispatches at intake and import, the rule written as the reason.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: int
    unit: int
    category: int | None = None
    community: int | None = None
    auto: bool = False


def _key(rule, lineage, community):
    if rule.community is not None and rule.community != community:
        return None
    if rule.category is None:
        depth = len(lineage)
    elif rule.category in lineage:
        depth = lineage.index(rule.category)
    else:
        return None
    return (depth, 0 if rule.community is not None else 1, rule.id)


def match(rules, lineage, community):
    """The rule for a request whose category is `lineage` (its id, then its parent's
    and so on; empty when it has none) in `community` (an id or None); None if no rule
    matches. A rule naming neither category nor community never matches."""
    lineage = list(lineage)
    best, best_key = None, None
    for rule in rules:
        if rule.category is None and rule.community is None:
            continue
        key = _key(rule, lineage, community)
        if key is not None and (best_key is None or key < best_key):
            best, best_key = rule, key
    return best
