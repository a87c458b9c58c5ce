"""Customers tweeting about their order a few minutes after placing it.

A fraction of orders with items gets a tweet: brunch groups and students tweet a lot, commuters
hardly ever, and customers with strong feelings (fan level 1 or 5) more than lukewarm ones. The text
uses jafgen's three templates (fans rave, haters complain, the rest shrug) and lists what was
ordered the way jafgen does: ``Ordered a X``, ``Ordered a X and a Y``, ``Ordered a X, a Y, and a Z``.
Texts are assembled with Arrow string kernels, not a Python loop per tweet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tools.sample_data.identifiers import random_uuids
from tools.sample_data.menu import PRODUCT_NAMES
from tools.sample_data.timestamps import MICROS_PER_MINUTE

# Multiplier of a type's tweet chance by fan level 1-5 (index 0 unused).
FAN_LEVEL_TWEET_BOOST = np.array([0.0, 2.0, 1.0, 0.5, 1.0, 2.0])
DELAY_MINUTES = (1.0, 20.0)  # a tweet follows its order by this many minutes, uniformly

_PRAISE = ("the best", "awesome", "delicious", "amazing", "fantastic", "sooo gooood", "my favorite")
_SCORN = ("terrible", "the worst", "awful", "disgusting", "gross", "inedible", "my least favorite")
_SHRUG = ("okay", "fine", "alright", "average", "pretty decent", "solid", "not bad", "just meh")

# Every (opening, closing) a tweet can have around its "Ordered a ..." sentence, jafgen's wording.
TEMPLATES: tuple[tuple[str, str], ...] = (
    *((f"Jaffles from the Jaffle Shop are {word}! ", ".") for word in _PRAISE),
    *(("Jaffle Shop again. ", f". This place is {word}.") for word in _SCORN),
    *((f"Jaffle shop is {word}. ", ".") for word in _SHRUG),
)
_OPENINGS = pa.array([opening for opening, _ in TEMPLATES])
_CLOSINGS = pa.array([closing for _, closing in TEMPLATES])
_PRAISE_FROM, _SCORN_FROM, _SHRUG_FROM = 0, len(_PRAISE), len(_PRAISE) + len(_SCORN)

# What goes before each product name in "Ordered a X, a Y, and a Z".
_FIRST, _BETWEEN, _LAST_OF_TWO, _LAST_OF_MANY = range(4)
_JOINERS = pa.array(["Ordered a ", ", a ", " and a ", ", and a "])
_NAMES = pa.array(PRODUCT_NAMES)


@dataclass(frozen=True)
class DayTweets:
    """One day's tweets, sorted by time."""

    ids: np.ndarray  # (n, 36) uint8: UUID text
    customer: np.ndarray  # position in the population
    tweeted_at: np.ndarray  # int64 microseconds, local time
    content: pa.Array


def template_for_fan_level(fan_level: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A template per tweet: praise above fan level 3, scorn below, a shrug at 3."""
    u = rng.random(len(fan_level))
    praise = _PRAISE_FROM + (u * len(_PRAISE)).astype(np.int64)
    scorn = _SCORN_FROM + (u * len(_SCORN)).astype(np.int64)
    shrug = _SHRUG_FROM + (u * len(_SHRUG)).astype(np.int64)
    return np.select([fan_level > 3, fan_level < 3], [praise, scorn], shrug)


def ordered_sentence(skus: np.ndarray, counts: np.ndarray) -> pa.Array:
    """``Ordered a X, a Y, and a Z`` per tweet, from the flat list of their products.

    ``skus`` holds product positions, tweet after tweet; ``counts`` how many belong to each tweet
    (at least one).
    """
    offsets = np.zeros(len(counts) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    owner_count = np.repeat(counts, counts)
    position = np.arange(len(skus)) - np.repeat(offsets[:-1], counts)
    joiner = np.select(
        [position == 0, position < owner_count - 1, owner_count == 2],
        [_FIRST, _BETWEEN, _LAST_OF_TWO],
        _LAST_OF_MANY,
    )
    words = pc.binary_join_element_wise(_JOINERS.take(joiner), _NAMES.take(skus), "")
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), words), "")


def draw_tweets(
    rng: np.random.Generator,
    *,
    customer: np.ndarray,
    ordered_at: np.ndarray,
    tweet_chance: np.ndarray,
    fan_level: np.ndarray,
    item_order: np.ndarray,
    item_sku: np.ndarray,
) -> DayTweets:
    """Which of the day's orders get a tweet, when, and what it says.

    Per order: its customer, time and tweet chance (already zero for orders without items), the
    customer's fan level; per item: the order it belongs to (items grouped by order) and its product.
    """
    tweeting = np.flatnonzero(rng.random(len(customer)) < tweet_chance)
    low, high = DELAY_MINUTES
    delay = ((low + (high - low) * rng.random(len(tweeting))) * MICROS_PER_MINUTE).astype(np.int64)
    tweeted_at = ordered_at[tweeting] + delay
    by_time = np.argsort(tweeted_at, kind="stable")
    tweeting, tweeted_at = tweeting[by_time], tweeted_at[by_time]

    counts = np.bincount(item_order, minlength=len(customer))
    first_item = np.cumsum(counts) - counts
    tweet_counts = counts[tweeting]
    flat = np.repeat(first_item[tweeting], tweet_counts) + (
        np.arange(tweet_counts.sum())
        - np.repeat(np.cumsum(tweet_counts) - tweet_counts, tweet_counts)
    )
    template = template_for_fan_level(fan_level[tweeting], rng)
    content = pc.binary_join_element_wise(
        _OPENINGS.take(template),
        ordered_sentence(item_sku[flat], tweet_counts),
        _CLOSINGS.take(template),
        "",
    )
    return DayTweets(
        ids=random_uuids(rng, len(tweeting)),
        customer=customer[tweeting],
        tweeted_at=tweeted_at,
        content=content,
    )
