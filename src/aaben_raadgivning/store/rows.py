"""Turning a model row into the plain, JSON-safe dict the change log and exports carry."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect


def to_plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def row_dict(obj: Any) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    return {column.key: to_plain(getattr(obj, column.key)) for column in mapper.column_attrs}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
