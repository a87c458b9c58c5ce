"""The Jaffle Shop menu: jafgen 0.4.14's products and supplies, word for word.

Products and supplies are reference data, so they are copied exactly (names with their trailing
spaces, prices in cents) rather than simulated: real jafgen output and ours must describe the same
shop. The arrays below index the ten products by position (0-4 jaffles, 5-9 beverages) so the
order simulation can pick SKUs as small integers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Product:
    """One menu line as jafgen defines it; price in cents."""

    sku: str
    name: str
    type: str
    price: int
    description: str


@dataclass(frozen=True)
class Supply:
    """One supply and the products that consume it; jafgen writes one row per (supply, product)."""

    id: str
    name: str
    cost: int
    perishable: bool
    skus: tuple[str, ...]


PRODUCTS: tuple[Product, ...] = (
    Product("JAF-001", "nutellaphone who dis?", "jaffle", 1100, "nutella and banana jaffle"),
    Product("JAF-002", "doctor stew", "jaffle", 1100, "house-made beef stew jaffle"),
    Product(
        "JAF-003",
        "the krautback",
        "jaffle",
        1200,
        "lamb and pork bratwurst with house-pickled cabbage sauerkraut and mustard",
    ),
    Product(
        "JAF-004",
        "flame impala",
        "jaffle",
        1400,
        "pulled pork and pineapple al pastor marinated in ghost pepper sauce, "
        "kevin parker's favorite! ",
    ),
    Product(
        "JAF-005",
        "mel-bun",
        "jaffle",
        1200,
        "melon and minced beef bao, in a jaffle, savory and sweet",
    ),
    Product("BEV-001", "tangaroo", "beverage", 600, "mango and tangerine smoothie"),
    Product("BEV-002", "chai and mighty", "beverage", 500, "oatmilk chai latte with protein boost"),
    Product(
        "BEV-003",
        "vanilla ice",
        "beverage",
        600,
        "iced coffee with house-made french vanilla syrup",
    ),
    Product(
        "BEV-004",
        "for richer or pourover ",
        "beverage",
        700,
        "daily selection of single estate beans for a delicious hot pourover",
    ),
    Product(
        "BEV-005",
        "adele-ade",
        "beverage",
        400,
        "a kiwi and lime agua fresca, hello from the other side of thirst",
    ),
)

_JAFFLES = ("JAF-001", "JAF-002", "JAF-003", "JAF-004", "JAF-005")
_BEVERAGES = ("BEV-001", "BEV-002", "BEV-003", "BEV-004", "BEV-005")

SUPPLIES: tuple[Supply, ...] = (
    Supply("SUP-001", "compostable cutlery - knife", 7, False, _JAFFLES),
    Supply("SUP-002", "cutlery - fork", 7, False, _JAFFLES),
    Supply("SUP-003", "serving boat", 11, False, _JAFFLES),
    Supply("SUP-004", "napkin", 4, False, _JAFFLES),
    Supply("SUP-005", "16oz compostable clear cup", 13, False, _BEVERAGES),
    Supply("SUP-006", "16oz compostable clear lid", 4, False, _BEVERAGES),
    Supply("SUP-007", "biodegradable straw", 13, False, _BEVERAGES),
    Supply("SUP-008", "chai mix", 98, True, ("BEV-002",)),
    Supply("SUP-009", "bread", 33, True, _JAFFLES),
    Supply("SUP-010", "cheese", 20, True, _JAFFLES[1:]),
    Supply("SUP-011", "nutella", 46, True, ("JAF-001",)),
    Supply("SUP-012", "banana", 13, True, ("JAF-001",)),
    Supply("SUP-013", "beef stew", 169, True, ("JAF-002",)),
    Supply("SUP-014", "lamb and pork bratwurst", 234, True, ("JAF-003",)),
    Supply("SUP-015", "house-pickled cabbage sauerkraut", 43, True, ("JAF-003",)),
    Supply("SUP-016", "mustard", 7, True, ("JAF-003",)),
    Supply("SUP-017", "pulled pork", 215, True, ("JAF-004",)),
    Supply("SUP-018", "pineapple", 26, True, ("JAF-004",)),
    Supply("SUP-019", "melon", 33, True, ("JAF-005",)),
    Supply("SUP-020", "minced beef", 124, True, ("JAF-005",)),
    Supply("SUP-021", "ghost pepper sauce", 20, True, ("JAF-004",)),
    Supply("SUP-022", "mango", 32, True, ("BEV-001",)),
    Supply("SUP-023", "tangerine", 20, True, ("BEV-001",)),
    Supply("SUP-024", "oatmilk", 11, True, ("BEV-002",)),
    Supply("SUP-025", "whey protein", 36, True, ("BEV-002",)),
    Supply("SUP-026", "coffee", 52, True, ("BEV-003", "BEV-004")),
    Supply("SUP-027", "french vanilla syrup", 72, True, ("BEV-003",)),
    Supply("SUP-028", "kiwi", 20, True, ("BEV-005",)),
    Supply("SUP-029", "lime", 13, True, ("BEV-005",)),
)


def product_rows() -> list[tuple[str, str, str, int, str]]:
    """Rows of the products table, in the contract's column order."""
    return [(p.sku, p.name, p.type, p.price, p.description) for p in PRODUCTS]


def supply_rows() -> list[tuple[str, str, int, bool, str]]:
    """Rows of the supplies table as jafgen writes them: grouped by product, supplies in id order."""
    skus_in_order = dict.fromkeys(sku for supply in SUPPLIES for sku in supply.skus)
    return [
        (supply.id, supply.name, supply.cost, supply.perishable, sku)
        for sku in skus_in_order
        for supply in SUPPLIES
        if sku in supply.skus
    ]


SKUS = np.array([p.sku for p in PRODUCTS])
PRICES = np.array([p.price for p in PRODUCTS], dtype=np.int64)
PRODUCT_NAMES: tuple[str, ...] = tuple(p.name for p in PRODUCTS)

# Positions in PRODUCTS, grouped the way customers choose: a jaffle, or a cold or a hot drink.
JAFFLES = np.array([0, 1, 2, 3, 4])
COLD_DRINKS = np.array([5, 7, 9])  # smoothie, iced coffee, agua fresca
HOT_DRINKS = np.array([6, 8])  # chai latte, pourover

# How often each is picked by someone without a favourite (sums to 1 within a group).
JAFFLE_POPULARITY = np.array([0.22, 0.25, 0.18, 0.15, 0.20])
COLD_DRINK_POPULARITY = np.array([0.30, 0.45, 0.25])
HOT_DRINK_POPULARITY = np.array([0.40, 0.60])
