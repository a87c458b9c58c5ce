"""Who buys: customer behaviour types, and each store's customers arriving and leaving over time.

Every customer belongs to one behaviour type and has one home store, where all their orders are
placed. The types, with their habits:

- ``commuter``: weekday mornings before work, almost daily; a drink, rarely food; prefers hot drinks.
- ``lunch_regular``: weekday lunchtime, a few times a week; a jaffle, often with a drink.
- ``brunch_group``: weekend late mornings, for a table of two to six; large baskets; tweets a lot.
- ``student``: afternoons, weekdays more than weekends; a drink, sometimes a jaffle; away during
  school holidays; likes cold drinks.
- ``occasional``: anyone else; drops by now and then at any hour, more in summer and at weekends,
  stays home when it rains.

A store's customers start arriving when it opens: a first wave, a fifth of it on opening day and
the rest over the first months (the neighbourhood discovering the shop), and then a steady trickle of newcomers, while some regulars move
away. Each customer also has a personal appetite (some commuters come every day, some twice a week),
favourite products and a fan level from 1 (hates the place) to 5 (loves it) that decides how their
tweets sound. ``scale`` multiplies the number of customers, hence the volume of orders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tools.sample_data.calendar import Period
from tools.sample_data.identifiers import random_uuids
from tools.sample_data.menu import (
    COLD_DRINK_POPULARITY,
    COLD_DRINKS,
    HOT_DRINK_POPULARITY,
    HOT_DRINKS,
    JAFFLE_POPULARITY,
    JAFFLES,
)
from tools.sample_data.stores import Store


@dataclass(frozen=True)
class CustomerType:
    """The habits of one kind of customer."""

    name: str
    share: float  # of a store's customers
    visit_chance: tuple[float, float]  # chance of ordering on a weekday, on a weekend day
    order_hour: tuple[tuple[float, float], tuple[float, float]]  # (mean, sd) weekday, weekend
    party: tuple[int, int, float]  # people ordered for: first + binomial(second, third)
    drinks_per_person: float
    jaffles_per_person: float
    second_drink: float  # chance of one more drink (a coffee for later)
    summer_lift: float  # relative change in visits at the height of summer (- in winter)
    follows_school_term: bool
    rain_sensitivity: float  # share of visits lost on a very rainy day
    cold_drink_bias: float  # added to the weather-driven share of cold drinks
    tweet_chance: float


CUSTOMER_TYPES: tuple[CustomerType, ...] = (
    CustomerType(
        name="commuter",
        share=0.20,
        visit_chance=(0.55, 0.03),
        order_hour=((7.9, 0.5), (9.5, 1.0)),
        party=(1, 0, 0.0),
        drinks_per_person=1.0,
        jaffles_per_person=0.12,
        second_drink=0.10,
        summer_lift=-0.10,
        follows_school_term=False,
        rain_sensitivity=0.10,
        cold_drink_bias=-0.15,
        tweet_chance=0.02,
    ),
    CustomerType(
        name="lunch_regular",
        share=0.20,
        visit_chance=(0.35, 0.05),
        order_hour=((12.5, 0.6), (12.5, 1.0)),
        party=(1, 1, 0.15),
        drinks_per_person=0.5,
        jaffles_per_person=1.0,
        second_drink=0.0,
        summer_lift=-0.05,
        follows_school_term=False,
        rain_sensitivity=0.20,
        cold_drink_bias=0.0,
        tweet_chance=0.04,
    ),
    CustomerType(
        name="brunch_group",
        share=0.10,
        visit_chance=(0.01, 0.45),
        order_hour=((11.0, 1.5), (11.0, 1.2)),
        party=(2, 4, 0.4),
        drinks_per_person=0.9,
        jaffles_per_person=0.8,
        second_drink=0.0,
        summer_lift=0.20,
        follows_school_term=False,
        rain_sensitivity=0.35,
        cold_drink_bias=0.05,
        tweet_chance=0.30,
    ),
    CustomerType(
        name="student",
        share=0.20,
        visit_chance=(0.25, 0.12),
        order_hour=((15.5, 1.6), (13.0, 1.3)),
        party=(1, 2, 0.2),
        drinks_per_person=1.0,
        jaffles_per_person=0.35,
        second_drink=0.0,
        summer_lift=0.0,
        follows_school_term=True,
        rain_sensitivity=0.15,
        cold_drink_bias=0.15,
        tweet_chance=0.20,
    ),
    CustomerType(
        name="occasional",
        share=0.30,
        visit_chance=(0.03, 0.10),
        order_hour=((13.0, 3.0), (11.5, 2.0)),
        party=(1, 2, 0.25),
        drinks_per_person=0.7,
        jaffles_per_person=0.6,
        second_drink=0.0,
        summer_lift=0.40,
        follows_school_term=False,
        rain_sensitivity=0.50,
        cold_drink_bias=0.10,
        tweet_chance=0.12,
    ),
)
TYPE_NAMES: tuple[str, ...] = tuple(t.name for t in CUSTOMER_TYPES)

# Customers of one store at scale 1 with market size 1: tuned so that one year with six stores
# opening through it gives about jafgen's one-year volume (~70k orders).
CUSTOMERS_PER_STORE = 285
OPENING_CROWD = 0.2  # share of the first wave that comes on opening day
FIRST_WAVE_DAYS = 30.0  # mean delay between a store's opening and the rest of the first wave
NEWCOMERS_PER_YEAR = 0.5  # newcomers a year, as a share of the first wave
MEAN_STAY_DAYS = 3 * 365.0  # how long a customer stays before moving away, on average
FAVOURITE_CHANCE = 0.6  # chance a customer's first drink or jaffle is their favourite
FAN_LEVELS = np.array([1, 2, 3, 4, 5])
FAN_LEVEL_SHARES = np.array([0.10, 0.15, 0.30, 0.25, 0.20])

FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Christopher", "Karen", "Charles", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony",
    "Sandra", "Mark", "Margaret", "Donald", "Ashley", "Steven", "Kimberly", "Andrew", "Emily",
    "Paul", "Donna", "Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda", "Brian",
    "Melissa", "George", "Deborah", "Timothy", "Stephanie", "Ronald", "Rebecca", "Jason", "Laura",
    "Edward", "Sharon", "Jeffrey", "Cynthia", "Ryan", "Kathleen", "Jacob", "Amy", "Gary", "Angela",
    "Nicholas", "Shirley", "Eric", "Brenda", "Jonathan", "Emma", "Stephen", "Anna", "Larry",
    "Pamela", "Justin", "Nicole", "Scott", "Samantha", "Brandon", "Katherine", "Benjamin",
    "Christine", "Samuel", "Debra", "Gregory", "Rachel", "Alexander", "Carolyn", "Patrick",
    "Janet", "Frank", "Maria", "Raymond", "Olivia", "Jack", "Heather", "Dennis", "Helen", "Jerry",
    "Catherine", "Tyler", "Diane", "Aaron", "Julie", "Jose", "Victoria", "Adam", "Joyce", "Nathan",
    "Lauren", "Henry", "Kelly", "Zachary", "Christina", "Douglas", "Ruth", "Peter", "Joan", "Kyle",
    "Virginia", "Noah", "Judith", "Ethan", "Evelyn", "Jeremy", "Hannah", "Walter", "Andrea",
    "Christian", "Megan", "Keith", "Cheryl", "Roger", "Jacqueline", "Terry", "Madison", "Austin",
    "Teresa", "Sean", "Abigail", "Gerald", "Sophia", "Carl", "Martha", "Harold", "Sara", "Dylan",
    "Gloria", "Arthur", "Janice", "Lawrence", "Kathryn", "Jordan", "Ann", "Jesse", "Isabella",
    "Bryan", "Judy", "Billy", "Charlotte", "Bruce", "Julia", "Gabriel", "Grace", "Joe", "Amber",
    "Logan", "Alice", "Alan", "Jean", "Juan", "Denise", "Albert", "Frances", "Willie", "Danielle",
    "Elijah", "Marilyn", "Wayne", "Natalie", "Randy", "Beverly", "Vincent", "Diana", "Mason",
    "Brittany", "Roy", "Theresa", "Ralph", "Kayla", "Bobby", "Alexis", "Russell", "Doris",
    "Bradley", "Lori", "Philip", "Tiffany", "Eugene", "Kaylee",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera",
    "Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz",
    "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy",
    "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed",
    "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks", "Chavez",
    "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez",
    "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez", "Powell",
    "Jenkins", "Perry", "Russell", "Sullivan", "Bell", "Coleman", "Butler", "Henderson", "Barnes",
    "Gonzales", "Fisher", "Vasquez", "Simmons", "Romero", "Jordan", "Patterson", "Alexander",
    "Hamilton", "Graham", "Reynolds", "Griffin", "Wallace", "Moreno", "West", "Cole", "Hayes",
    "Bryant", "Herrera", "Gibson", "Ellis", "Tran", "Medina", "Aguilar", "Stevens", "Murray",
    "Ford", "Castro", "Marshall", "Owens", "Harrison", "Fernandez", "McDonald", "Woods",
    "Washington", "Kennedy", "Wells", "Vargas", "Henry", "Chen", "Freeman", "Webb", "Tucker",
    "Guzman", "Burns", "Crawford", "Olson", "Simpson", "Porter", "Hunter", "Gordon", "Mendez",
    "Silva", "Shaw", "Snyder", "Mason", "Dixon", "Munoz", "Hunt", "Hicks", "Holmes", "Palmer",
    "Wagner", "Black", "Robertson", "Boyd", "Rose", "Stone", "Salazar", "Fox", "Warren", "Mills",
    "Meyer", "Rice", "Schmidt", "Garza", "Daniels", "Ferguson", "Nichols", "Stephens", "Soto",
    "Weaver", "Ryan", "Gardner", "Payne", "Grant", "Dunn", "Kelley", "Spencer", "Hawkins",
    "Velasquez", "Drake", "O'Brien",
)  # fmt: skip


@dataclass(frozen=True)
class Population:
    """Every customer who arrives during the period, sorted by arrival day.

    Parallel arrays, one element per customer. Sorting by arrival lets the simulation take the
    customers present on a day as a prefix of the arrays.
    """

    ids: np.ndarray  # (n, 36) uint8: UUID text
    first_name: np.ndarray  # positions in FIRST_NAMES / LAST_NAMES
    last_name: np.ndarray
    type: np.ndarray  # position in CUSTOMER_TYPES
    store: np.ndarray  # position of the home store
    arrival_day: np.ndarray  # first day they may order (day of the period)
    departure_day: np.ndarray  # first day they no longer order
    appetite: np.ndarray  # personal multiplier of the type's visit chance, mean 1
    fan_level: np.ndarray
    favourite_jaffle: np.ndarray  # positions in menu.PRODUCTS
    favourite_cold_drink: np.ndarray
    favourite_hot_drink: np.ndarray

    def __len__(self) -> int:
        return len(self.arrival_day)

    def names(self, which: np.ndarray | None = None) -> pa.Array:
        """``First Last`` for the given customers (all by default)."""
        first, last = self.first_name, self.last_name
        if which is not None:
            first, last = first[which], last[which]
        return pc.binary_join_element_wise(
            pa.array(FIRST_NAMES).take(pa.array(first)),
            pa.array(LAST_NAMES).take(pa.array(last)),
            " ",
        )


def _arrivals(
    store: Store, scale: float, days: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Arrival and departure days of one store's customers, only those arriving in the period."""
    open_days = days - store.opened_day
    first_wave = rng.poisson(CUSTOMERS_PER_STORE * store.market_size * scale)
    newcomers = rng.poisson(
        CUSTOMERS_PER_STORE * store.market_size * scale * NEWCOMERS_PER_YEAR * open_days / 365.0
    )
    opening_crowd = rng.random(first_wave) < OPENING_CROWD
    arrival = store.opened_day + np.concatenate(
        [
            np.where(opening_crowd, 0, np.floor(rng.exponential(FIRST_WAVE_DAYS, first_wave))),
            np.floor(rng.uniform(0, open_days, newcomers)),
        ]
    ).astype(np.int64)
    stay = 1 + np.floor(rng.exponential(MEAN_STAY_DAYS, len(arrival))).astype(np.int64)
    kept = arrival < days
    return arrival[kept], arrival[kept] + stay[kept]


def _pick(rng: np.random.Generator, options: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    return options[rng.choice(len(options), size=n, p=weights)]


def grow_population(
    stores: list[Store], period: Period, scale: float, rng: np.random.Generator
) -> Population:
    """The customers of every store over ``period``, with ``scale`` times the base numbers."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    arrival_parts, departure_parts, store_parts = [], [], []
    for position, store in enumerate(stores):
        arrival, departure = _arrivals(store, scale, period.days, rng)
        arrival_parts.append(arrival)
        departure_parts.append(departure)
        store_parts.append(np.full(len(arrival), position, dtype=np.int64))
    arrival = np.concatenate(arrival_parts)
    by_arrival = np.argsort(arrival, kind="stable")
    n = len(arrival)
    shares = np.array([t.share for t in CUSTOMER_TYPES])
    return Population(
        ids=random_uuids(rng, n),
        first_name=rng.integers(0, len(FIRST_NAMES), n),
        last_name=rng.integers(0, len(LAST_NAMES), n),
        type=rng.choice(len(CUSTOMER_TYPES), size=n, p=shares / shares.sum()),
        store=np.concatenate(store_parts)[by_arrival],
        arrival_day=arrival[by_arrival],
        departure_day=np.concatenate(departure_parts)[by_arrival],
        appetite=rng.lognormal(-0.125, 0.5, n),  # mean exp(-0.125 + 0.5**2 / 2) = 1
        fan_level=rng.choice(FAN_LEVELS, size=n, p=FAN_LEVEL_SHARES),
        favourite_jaffle=_pick(rng, JAFFLES, JAFFLE_POPULARITY, n),
        favourite_cold_drink=_pick(rng, COLD_DRINKS, COLD_DRINK_POPULARITY, n),
        favourite_hot_drink=_pick(rng, HOT_DRINKS, HOT_DRINK_POPULARITY, n),
    )
