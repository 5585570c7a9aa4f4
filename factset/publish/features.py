"""Hugging Face ``datasets`` features derived from the models: the card's YAML header
declares them for every config, and Croissant's fields are read off them.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Any, Literal, Union

from pydantic import BaseModel

def _strip_optional(tp):
    """``X | None`` -> X; unions of numbers -> float."""
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if all(a in (int, float) for a in args):
            return float
        if len(args) == 1:
            return _strip_optional(args[0])
        raise TypeError(f"no feature type for union {tp}")
    if origin is typing.Annotated:
        return _strip_optional(typing.get_args(tp)[0])
    return tp


def feature(tp) -> dict[str, Any]:
    """The ``datasets`` YAML feature entry (without name) of a model annotation."""
    tp = _strip_optional(tp)
    origin = typing.get_origin(tp)
    if origin is list:
        inner = feature(typing.get_args(tp)[0])
        return {"list": inner.get("dtype") or inner["struct"]}
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return {"struct": features(tp)}
    if origin is Literal or tp is str:
        return {"dtype": "string"}
    if tp is bool:
        return {"dtype": "bool"}
    if tp is int:
        return {"dtype": "int64"}
    if tp is float:
        return {"dtype": "float64"}
    if tp is dt.date:
        return {"dtype": "date32"}
    raise TypeError(f"no feature type for {tp}")


def features(model: type[BaseModel]) -> list[dict[str, Any]]:
    return [{"name": name, **feature(field.annotation)} for name, field in model.model_fields.items()]

