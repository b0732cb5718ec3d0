"""Synthetic impressions for the built-in scenario: a food-delivery app recommending restaurants.

The city has 20 delivery zones, 4,000 users and 600 restaurants. Each row is one impression: a
restaurant shown to a user at a moment in 2025, with whether the user ordered from it. The data
are drawn from an explicit generative story so that every trade-off a user finds in the dashboard
has a cause they can read here:

- zones are like zip codes: most residents share an income band, and restaurants cluster in the
  richer central zones, so low-income users live farther away, wait longer and spend less;
- younger users order late at night; 25-34 year-olds order most often;
- ordering depends on the features through thresholds and interactions (meal times, a cuisine
  match threshold, a quality floor, a delivery-time tolerance that loyal users stretch, price
  sensitivity that depends on income), so trees beat a linear model;
- sponsored restaurants pay a fee per order to be shown farther afield, so they are on average
  farther away, and weaker restaurants are likelier to buy ads, so they are rated lower;
- the world drifts: Korean food is shown more and ordered more every month, promotions lose their
  pull, displayed ratings inflate, a rival app takes customers in the high-income zones from
  August, and from October customers grow less patient with long deliveries.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20261130
YEAR = 2025
ROWS_PER_MONTH = 3750
TRAIN_MONTHS = (1, 2, 3, 4, 5, 6)
N_USERS = 4000
N_RESTAURANTS = 600

CUISINES = ("pizza", "burger", "chinese", "mexican", "indian", "sushi", "thai", "korean")
CUISINE_SHARES = (0.18, 0.16, 0.14, 0.13, 0.11, 0.10, 0.10, 0.08)
TRENDING_CUISINE = "korean"
INCOME_BANDS = ("low", "middle", "high")
AGE_BANDS = ("18-24", "25-34", "35-54", "55+")
AGE_SHARES = (0.22, 0.36, 0.29, 0.13)

#: Delivery zones as (zip-like code, income band of most residents).
ZONES = (
    ("47101", "middle"),
    ("47102", "high"),
    ("47103", "low"),
    ("47104", "middle"),
    ("47105", "low"),
    ("47106", "high"),
    ("47107", "low"),
    ("47108", "middle"),
    ("47109", "high"),
    ("47110", "low"),
    ("47111", "middle"),
    ("47112", "low"),
    ("47113", "high"),
    ("47114", "middle"),
    ("47115", "low"),
    ("47116", "middle"),
    ("47117", "high"),
    ("47118", "low"),
    ("47119", "middle"),
    ("47120", "high"),
)
#: Share of a zone's residents in its dominant income band.
ZONE_INCOME_PURITY = 0.88
#: Distance of a zone's centre from the city centre, by income band (km, low and high end).
ZONE_RADIUS_KM = {"low": (6.5, 9.5), "middle": (3.5, 6.0), "high": (0.5, 3.0)}
#: Relative number of restaurants per zone, by income band.
RESTAURANT_DENSITY = {"low": 0.4, "middle": 1.0, "high": 1.6}
#: Price level (1-4) shares of restaurants, by income band of their zone.
PRICE_SHARES = {
    "low": (0.45, 0.35, 0.15, 0.05),
    "middle": (0.25, 0.40, 0.25, 0.10),
    "high": (0.10, 0.30, 0.35, 0.25),
}

#: Hourly order-time weights before age adjustments (index = hour of day).
HOUR_WEIGHTS = np.array(
    [
        0.5,
        0.3,
        0.1,
        0.05,
        0.05,
        0.05,
        0.1,
        0.3,
        0.5,
        0.6,
        0.9,
        2.5,
        3.0,
        2.2,
        0.9,
        0.7,
        0.9,
        1.6,
        3.0,
        3.5,
        2.8,
        1.8,
        1.1,
        0.8,
    ]
)
LATE_HOURS = (22, 23, 0, 1, 2)
#: Effect of the hour on the log-odds of ordering: meal times up, small hours down.
HOUR_EFFECT = np.array(
    [
        -0.4,
        -0.65,
        -1.2,
        -1.2,
        -1.2,
        -1.2,
        -1.2,
        -1.2,
        -1.2,
        -1.2,
        -0.4,
        0.65,
        0.8,
        0.5,
        -0.25,
        -0.4,
        -0.25,
        0.15,
        0.8,
        0.9,
        0.65,
        0.15,
        -0.25,
        -0.4,
    ]
)
#: Slowdown of couriers by month (winter weather).
WEATHER_SLOWDOWN = (1.1, 1.05, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.1)
#: Minutes of delivery customers accept without penalty.
DELIVERY_TOLERANCE_MIN = 40.0
#: Log-odds lost per 10 minutes beyond the tolerance, by month; it grows from October.
DELIVERY_PENALTY_PER_10_MIN = (0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9, 1.0, 1.1)
#: Growth of the trending cuisine's log-exposure per month.
TREND_EXPOSURE_PER_MONTH = 0.12
#: Effect of the trending cuisine on the log-odds of ordering: January value and monthly growth.
TREND_EFFECT = (-0.6, 0.22)
#: Effect of a promotion on the log-odds of ordering in January and in December (promo fatigue).
PROMO_EFFECT = (1.2, -0.3)
#: Monthly drift of displayed ratings above the restaurant's real quality (rating inflation).
RATING_INFLATION_PER_MONTH = 0.05
#: A rival app launches in the high-income zones in this month, ...
RIVAL_LAUNCH_MONTH = 8
#: ... and takes more of their customers every month: log-odds change per month since launch.
RIVAL_EFFECT_PER_MONTH = -0.25
INTERCEPT = -3.9


def generate_data(seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw the scenario's impressions: January-June for training, July-December for testing.

    Parameters
    ----------
    seed : int, default=20261130
        Seed of the only random generator used; the same seed gives identical frames.

    Returns
    -------
    train, test : pandas.DataFrame
        One row per impression, sorted by ``timestamp``, ``impression_id`` running over both
        frames. Columns are described in ``sample_data/README.md``.

    Examples
    --------
    >>> train, test = generate_data()
    >>> len(train), len(test)
    (22500, 22500)
    """
    rng = np.random.default_rng(seed)
    zones = _draw_zones(rng)
    users = _draw_users(rng, zones)
    restaurants = _draw_restaurants(rng, zones)
    exposure = _exposure_log_weights(users, restaurants)
    months = [_draw_month(rng, month, users, restaurants, exposure) for month in range(1, 13)]
    frame = pd.concat(months, ignore_index=True)
    frame = frame.sort_values("timestamp", kind="stable", ignore_index=True)
    frame.insert(0, "impression_id", np.arange(1, len(frame) + 1, dtype=np.int64))
    in_train = frame["timestamp"].dt.month.isin(TRAIN_MONTHS)
    return frame[in_train].reset_index(drop=True), frame[~in_train].reset_index(drop=True)


def _draw_zones(rng: np.random.Generator) -> dict[str, np.ndarray]:
    income = np.array([INCOME_BANDS.index(band) for _, band in ZONES])
    angle = np.linspace(0.0, 2 * np.pi, len(ZONES), endpoint=False) + rng.normal(0.0, 0.1, len(ZONES))
    low_high = np.array([ZONE_RADIUS_KM[band] for _, band in ZONES])
    radius = rng.uniform(low_high[:, 0], low_high[:, 1])
    xy = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return {"code": np.array([code for code, _ in ZONES]), "income": income, "xy": xy}


def _draw_users(rng: np.random.Generator, zones: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    zone = rng.integers(0, len(ZONES), N_USERS)
    dominant = zones["income"][zone]
    other = (dominant + rng.integers(1, len(INCOME_BANDS), N_USERS)) % len(INCOME_BANDS)
    income = np.where(rng.random(N_USERS) < ZONE_INCOME_PURITY, dominant, other)
    age = rng.choice(len(AGE_BANDS), N_USERS, p=AGE_SHARES)
    appetite = rng.normal(0.0, 0.6, N_USERS)
    age_orders = np.array([0.1, 0.35, 0.1, -0.4])
    income_orders = np.array([-0.3, 0.0, 0.2])
    orders_rate = np.exp(0.9 + age_orders[age] + income_orders[income] + 0.7 * appetite)
    age_activity = np.array([1.2, 1.3, 1.0, 0.6])
    activity = np.exp(0.8 * appetite) * age_activity[age]
    return {
        "zone_code": zones["code"][zone],
        "zone_income": dominant,
        "income": income,
        "age": age,
        "appetite": appetite,
        "orders_rate": orders_rate,
        "activity": activity / activity.sum(),
        "taste": rng.dirichlet(np.full(len(CUISINES), 0.7), N_USERS),
        "xy": zones["xy"][zone] + rng.normal(0.0, 0.7, (N_USERS, 2)),
        "hour_weights": _hour_weights_by_age()[age],
    }


def _hour_weights_by_age() -> np.ndarray:
    weights = np.tile(HOUR_WEIGHTS, (len(AGE_BANDS), 1))
    late = list(LATE_HOURS)
    weights[AGE_BANDS.index("18-24"), late] *= 3.0
    weights[AGE_BANDS.index("25-34"), late] *= 1.5
    weights[AGE_BANDS.index("55+"), late] *= 0.2
    weights[AGE_BANDS.index("55+"), 11:19] *= 1.3
    return weights / weights.sum(axis=1, keepdims=True)


def _draw_restaurants(rng: np.random.Generator, zones: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    density = np.array([RESTAURANT_DENSITY[band] for _, band in ZONES])
    zone = rng.choice(len(ZONES), N_RESTAURANTS, p=density / density.sum())
    price_shares = np.array([PRICE_SHARES[band] for band in INCOME_BANDS])
    uniform = rng.random(N_RESTAURANTS)
    price = 1 + (uniform[:, None] > np.cumsum(price_shares[zones["income"][zone]], axis=1)).sum(axis=1)
    quality = np.clip(rng.normal(4.05 + 0.08 * (price - 2), 0.35), 1.0, 5.0)
    # Weaker restaurants buy visibility: sponsorship is likelier the lower the rating.
    sponsored = rng.random(N_RESTAURANTS) < 1.0 / (1.0 + np.exp(1.9 + 1.2 * (quality - 4.05)))
    ad_fee = np.where(sponsored, np.clip(0.4 + 0.75 * price + rng.uniform(-0.4, 0.4, N_RESTAURANTS), 0.5, 4.0), 0.0)
    return {
        "cuisine": rng.choice(len(CUISINES), N_RESTAURANTS, p=CUISINE_SHARES),
        "price": price,
        "quality": quality,
        "sponsored": sponsored.astype(np.int64),
        "ad_fee": np.round(ad_fee, 2),
        "prep_min": np.clip(rng.normal(14.0, 3.0, N_RESTAURANTS), 6.0, None),
        "xy": zones["xy"][zone] + rng.normal(0.0, 0.9, (N_RESTAURANTS, 2)),
    }


def _exposure_log_weights(users: dict[str, np.ndarray], restaurants: dict[str, np.ndarray]) -> np.ndarray:
    """Log-weights of the recommender's candidate choice, one row per user."""
    distance = np.linalg.norm(users["xy"][:, None, :] - restaurants["xy"][None, :, :], axis=2)
    # Nearby, well-rated restaurants are shown most; sponsored ones pay for a wider reach.
    reach_km = np.where(restaurants["sponsored"], 3.5, 2.5)
    return -distance / reach_km + 0.6 * (restaurants["quality"] - 4.0)


def _draw_month(
    rng: np.random.Generator,
    month: int,
    users: dict[str, np.ndarray],
    restaurants: dict[str, np.ndarray],
    exposure: np.ndarray,
) -> pd.DataFrame:
    n = ROWS_PER_MONTH
    user = rng.choice(N_USERS, n, p=users["activity"])
    # More restaurants of the trending cuisine open, so it is shown more every month.
    trending = restaurants["cuisine"] == CUISINES.index(TRENDING_CUISINE)
    cumulative = np.cumsum(np.exp(exposure[user] + TREND_EXPOSURE_PER_MONTH * (month - 1) * trending), axis=1)
    pick = rng.random(n) * cumulative[:, -1]
    restaurant = np.minimum((cumulative < pick[:, None]).sum(axis=1), N_RESTAURANTS - 1)  # rounding guard

    month_start = np.datetime64(f"{YEAR}-{month:02d}", "M")
    days_in_month = ((month_start + 1).astype("datetime64[D]") - month_start.astype("datetime64[D]")).astype(int)
    day = rng.integers(0, days_in_month, n)
    hour = (rng.random(n)[:, None] > np.cumsum(users["hour_weights"][user], axis=1)).sum(axis=1)
    hour = np.minimum(hour, 23)  # cumulative weights may round to just below 1
    seconds = day * 86400 + hour * 3600 + rng.integers(0, 3600, n)
    timestamp = (month_start.astype("datetime64[s]") + seconds.astype("timedelta64[s]")).astype("datetime64[us]")
    weekday = pd.DatetimeIndex(timestamp).day_of_week.to_numpy().astype(np.int64)

    income = users["income"][user]
    zone_income = users["zone_income"][user]
    age = users["age"][user]
    cuisine = restaurants["cuisine"][restaurant]
    price = restaurants["price"][restaurant]
    quality = restaurants["quality"][restaurant]
    rating = np.round(np.clip(quality + RATING_INFLATION_PER_MONTH * (month - 1), 1.0, 5.0), 1)
    straight_km = np.linalg.norm(users["xy"][user] - restaurants["xy"][restaurant], axis=1)
    distance_km = np.round(1.25 * straight_km + 0.3, 2)
    rush = np.where(np.isin(hour, (12, 13, 19, 20)), 1.25, 1.0)
    travel_min = 3.2 * distance_km * rush * WEATHER_SLOWDOWN[month - 1]
    delivery_min = restaurants["prep_min"][restaurant] + 5.0 + travel_min + rng.normal(0.0, 4.0, n)
    delivery_min = np.round(np.clip(delivery_min, 12.0, None), 1)
    taste = users["taste"][user]
    affinity = np.sqrt(taste[np.arange(n), cuisine] / taste.max(axis=1))
    cuisine_match = np.round(np.clip(affinity + rng.normal(0.0, 0.1, n), 0.0, 1.0), 3)
    orders_90d = rng.poisson(users["orders_rate"][user])
    promo = (rng.random(n) < 0.2).astype(np.int64)
    basket_log = np.log(11.0 + 8.0 * price) + np.array([-0.25, 0.0, 0.2])[income] + rng.normal(0.0, 0.3, n)
    basket_log += np.where(age == AGE_BANDS.index("35-54"), 0.15, 0.0)
    order_value = np.round(np.exp(basket_log), 2)

    logit = (
        INTERCEPT
        + 2.0 * (cuisine_match > 0.6)
        + 0.4 * cuisine_match
        - 1.6 * (quality < 3.7)
        + 0.8 * (quality >= 4.5)
        - _delivery_penalty(delivery_min, month) * np.where(orders_90d >= 8, 0.5, 1.0)
        + _price_effect(price, income)
        + HOUR_EFFECT[hour]
        + np.where((age == AGE_BANDS.index("18-24")) & np.isin(hour, LATE_HOURS), 0.7, 0.0)
        + 0.3 * (weekday >= 4)
        + 0.45 * np.log1p(orders_90d)
        + promo * _promo_effect(month) * np.where(income == INCOME_BANDS.index("low"), 1.5, 1.0)
        + np.where(cuisine == CUISINES.index(TRENDING_CUISINE), _trend_effect(month), 0.0)
        + users["appetite"][user]
        + _rival_effect(month) * (zone_income == INCOME_BANDS.index("high"))
    )
    ordered = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)

    return pd.DataFrame(
        {
            "timestamp": timestamp,
            "user_id": user.astype(np.int64) + 1,
            "restaurant_id": restaurant.astype(np.int64) + 1,
            "distance_km": distance_km,
            "delivery_time_min": delivery_min,
            "price_level": price.astype(np.int64),
            "rating": rating,
            "cuisine": pd.array(np.array(CUISINES)[cuisine], dtype="str"),
            "cuisine_match": cuisine_match,
            "user_orders_90d": orders_90d.astype(np.int64),
            "hour": hour.astype(np.int64),
            "weekday": weekday,
            "promo": promo,
            "sponsored": restaurants["sponsored"][restaurant],
            "ad_fee": restaurants["ad_fee"][restaurant],
            "user_zone": pd.array(users["zone_code"][user], dtype="str"),
            "income_band": pd.array(np.array(INCOME_BANDS)[income], dtype="str"),
            "age_band": pd.array(np.array(AGE_BANDS)[age], dtype="str"),
            "order_value": order_value,
            "ordered": ordered,
        }
    )


def _delivery_penalty(delivery_min: np.ndarray, month: int) -> np.ndarray:
    excess = np.maximum(delivery_min - DELIVERY_TOLERANCE_MIN, 0.0)
    return DELIVERY_PENALTY_PER_10_MIN[month - 1] * excess / 10.0


def _price_effect(price: np.ndarray, income: np.ndarray) -> np.ndarray:
    """Low-income users avoid expensive restaurants; high-income users slightly prefer them."""
    return np.select(
        [income == INCOME_BANDS.index("low"), income == INCOME_BANDS.index("middle")],
        [-0.7 * np.maximum(price - 2, 0), -0.2 * np.maximum(price - 3, 0)],
        0.25 * (price - 2),
    )


def _promo_effect(month: int) -> float:
    """Promotions lose their pull over the year (promo fatigue)."""
    january, december = PROMO_EFFECT
    return january + (december - january) * (month - 1) / 11


def _rival_effect(month: int) -> float:
    """A rival app wins customers in the high-income zones month after month once launched."""
    return RIVAL_EFFECT_PER_MONTH * max(month - RIVAL_LAUNCH_MONTH + 1, 0)


def _trend_effect(month: int) -> float:
    """The trending cuisine gains popularity every month."""
    january, per_month = TREND_EFFECT
    return january + per_month * (month - 1)
