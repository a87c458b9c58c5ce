"""Tweet texts: jafgen's wording, naming what was ordered."""

from __future__ import annotations

import numpy as np

from tools.sample_data.tweets import TEMPLATES, ordered_sentence, template_for_fan_level


def test_ordered_sentence_lists_products_like_jafgen() -> None:
    # tangaroo = 5, doctor stew = 1, mel-bun = 4
    skus = np.array([5, 5, 1, 5, 1, 4])
    sentences = ordered_sentence(skus, np.array([1, 2, 3])).to_pylist()
    assert sentences == [
        "Ordered a tangaroo",
        "Ordered a tangaroo and a doctor stew",
        "Ordered a tangaroo, a doctor stew, and a mel-bun",
    ]


def test_fans_praise_haters_complain_and_the_rest_shrug() -> None:
    rng = np.random.default_rng(0)
    for fan_level, opening in (
        (5, "Jaffles from the Jaffle Shop are"),
        (1, "Jaffle Shop again."),
        (3, "Jaffle shop is"),
    ):
        chosen = template_for_fan_level(np.full(200, fan_level), rng)
        assert all(TEMPLATES[t][0].startswith(opening) for t in chosen)
        assert len(set(chosen.tolist())) > 3  # several adjectives
