"""Synthetic marts with planted structure: customers in known behaviour groups, stores whose
daily revenue follows a known formula. Small enough that each test fits in seconds."""

import numpy as np
import pandas as pd

# Planted customer groups: mean shares and amounts per group, as marts.dim_customers holds them.
HABITS = ("morning", "midday", "weekend", "drink", "items", "value", "per_week")
PLANTED_GROUPS = {
    "commuters": (0.95, 0.03, 0.03, 0.90, 1.2, 8.0, 4.0),
    "lunch": (0.02, 0.95, 0.05, 0.30, 1.8, 17.0, 2.0),
    "brunch": (0.45, 0.50, 0.95, 0.50, 6.0, 55.0, 0.8),
    "students": (0.05, 0.25, 0.20, 0.75, 1.9, 15.0, 1.3),
}


def planted_customers(
    per_group: int = 150, thin: int = 40, seed: int = 0, last_day: str = "2024-10-26"
) -> pd.DataFrame:
    """A dim_customers-shaped frame: groups of regular customers, thin ones and the unknown member.

    Column ``planted_group`` holds the truth (the mart has no such column; the tests use it).
    ``last_day`` is the data's last order day (the default: ``planted_store_sales``'s).
    """
    rng = np.random.default_rng(seed)
    rows = []
    for group, values in PLANTED_GROUPS.items():
        habits = dict(zip(HABITS, values, strict=True))
        n = per_group
        morning = np.clip(rng.normal(habits["morning"], 0.05, n), 0, 1)
        midday = np.clip(rng.normal(habits["midday"], 0.05, n), 0, 1 - morning)
        tenure = rng.integers(60, 365, n)
        per_week = habits["per_week"] * rng.lognormal(0, 0.2, n)
        orders = np.maximum(3, np.round(per_week * (tenure + 1) / 7)).astype(int)
        value = habits["value"] * rng.lognormal(0, 0.15, n)
        rows.append(
            pd.DataFrame(
                {
                    "planted_group": group,
                    "count_lifetime_orders": orders,
                    "avg_order_value": value,
                    "lifetime_spend": orders * value,
                    "avg_items_per_order": habits["items"] * rng.lognormal(0, 0.1, n),
                    "drink_item_share": np.clip(rng.normal(habits["drink"], 0.05, n), 0, 1),
                    "morning_order_share": morning,
                    "midday_order_share": midday,
                    "afternoon_order_share": 1 - morning - midday,
                    "weekend_order_share": np.clip(rng.normal(habits["weekend"], 0.05, n), 0, 1),
                    "summer_order_share": np.clip(rng.normal(0.27, 0.05, n), 0, 1),
                    "tenure_days": tenure,
                    "days_since_last_order": rng.integers(0, 20, n),
                }
            )
        )
    rows.append(
        pd.DataFrame(
            {
                "planted_group": "thin",
                "count_lifetime_orders": rng.integers(1, 3, thin),
                "avg_order_value": 20.0,
                "lifetime_spend": 20.0,
                "avg_items_per_order": 2.0,
                "drink_item_share": 0.5,
                "morning_order_share": 1.0,
                "midday_order_share": 0.0,
                "afternoon_order_share": 0.0,
                "weekend_order_share": 0.0,
                "summer_order_share": 0.0,
                "tenure_days": 0,
                "days_since_last_order": rng.integers(0, 100, thin),
            }
        )
    )
    customers = pd.concat(rows, ignore_index=True)
    customers.insert(0, "customer_id", [f"c{i:05d}" for i in rng.permutation(len(customers))])
    customers["is_unknown_member"] = False
    customers["last_ordered_at"] = (
        pd.Timestamp(last_day)
        + pd.Timedelta(hours=9)
        - pd.to_timedelta(customers["days_since_last_order"], unit="D")
    )
    unknown = dict.fromkeys(customers.columns)
    unknown.update(customer_id="unknown", is_unknown_member=True, count_lifetime_orders=0)
    customers = pd.concat([customers, pd.DataFrame([unknown])], ignore_index=True)
    return customers


# The planted revenue formula: level x weekday x rain x ramp-up after opening, with noise.
WEEKDAY_FACTOR = np.array([0.9, 0.9, 0.95, 0.95, 1.0, 1.5, 1.35])  # Monday first
RAIN_EFFECT_PER_MM = 0.04  # revenue x exp(-0.04 mm): 25 mm of rain costs about 63%
RAMP_UP_DAYS = 30.0


def planted_revenue(base: float, age: np.ndarray, weekday: np.ndarray, rain: np.ndarray):
    return (
        base
        * (1 - np.exp(-(age + 1) / RAMP_UP_DAYS))
        * WEEKDAY_FACTOR[weekday]
        * np.exp(-RAIN_EFFECT_PER_MM * rain)
    )


def planted_store_sales(
    days: int = 300, noise: float = 0.08, seed: int = 0, start: str = "2024-01-01"
) -> pd.DataFrame:
    """A fct_daily_store_sales-shaped frame for three stores opening 0, 60 and 120 days in.

    Column ``expected_revenue`` is the noise-free truth (the mart has no such column).
    """
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=days, freq="D")
    frames = []
    for number, (opened, base) in enumerate([(0, 1000.0), (60, 700.0), (120, 1300.0)]):
        open_dates = dates[opened:]
        n = len(open_dates)
        age = np.arange(n)
        weekday = open_dates.day_of_week.to_numpy()
        rain = np.where(rng.random(n) < 0.3, rng.exponential(10.0, n), 0.0)
        temperature = 15 + 10 * np.sin(2 * np.pi * (open_dates.day_of_year.to_numpy() - 110) / 365)
        expected = planted_revenue(base, age, weekday, rain)
        frames.append(
            pd.DataFrame(
                {
                    "store_key": f"key{number}",
                    "store_id": f"store-{number}",
                    "store_name": f"Store {number}",
                    "sales_date": open_dates.date,
                    "count_orders": np.round(expected / 20).astype(int),
                    "revenue": np.round(expected * rng.lognormal(0, noise, n), 2),
                    "expected_revenue": expected,
                    "days_since_store_opened": age,
                    "day_of_week": (weekday + 1) % 7,  # the mart's Sunday = 0
                    "is_weekend": weekday >= 5,
                    "temperature_max_celsius": temperature + 4 + rng.normal(0, 2, n),
                    "temperature_mean_celsius": temperature + rng.normal(0, 2, n),
                    "precipitation_mm": rain,
                    "snowfall_cm": 0.0,
                    "sunshine_hours": np.clip(10 - rain / 2 + rng.normal(0, 1, n), 0, 14),
                    "weather_code": np.where(rain > 0, 61, 1),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
