"""Dates of a given precision: a value is the first day of its period."""

from __future__ import annotations

import calendar
import datetime as dt


def period_start(value: dt.date, precision: str) -> dt.date:
    """First day of the period of this precision that holds ``value``: the day itself, the
    Monday of its (ISO) week, the first of its month, 1 January of its year."""
    if precision == "day":
        return value
    if precision == "week":
        return value - dt.timedelta(days=value.weekday())
    if precision == "month":
        return value.replace(day=1)
    return value.replace(month=1, day=1)


def period_end(value: dt.date, precision: str) -> dt.date:
    """Last day of the period a date of this precision stands for.

    A week that would run past 9999-12-31 ends there: no later day can be written, and every
    date the validator accepts must have an end (``build`` and ``report`` use it)."""
    if precision == "day":
        return value
    if precision == "week":
        return value + dt.timedelta(days=6) if value <= dt.date.max - dt.timedelta(days=6) else dt.date.max
    if precision == "month":
        return value.replace(day=calendar.monthrange(value.year, value.month)[1])
    return value.replace(month=12, day=31)

