"""Validate OParl objects against the OParl 1.1 JSON schemas (copied into tests/council/oparl/schema/).

The schemas mark embedded objects with ``"schema": "File.json"`` instead of ``$ref``, and use the
formats ``url``, ``date`` and ``date-time``; this helper follows the markers and checks the formats.
"""

import datetime
import json
from pathlib import Path
from urllib.parse import urlsplit

from jsonschema import Draft7Validator, FormatChecker

SCHEMA_DIR = Path(__file__).parent / "schema"
TYPE_PREFIX = "https://schema.oparl.org/1.1/"

formats = FormatChecker(formats=())


@formats.checks("url")
def is_url(value) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


@formats.checks("date-time", raises=ValueError)
def is_date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    moment = datetime.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("date-time without offset")
    return True


@formats.checks("date", raises=ValueError)
def is_date(value) -> bool:
    if isinstance(value, str):
        datetime.date.fromisoformat(value)
    return True


def schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def errors(obj: dict, name: str | None = None, path: str = "") -> list[str]:
    """Every schema violation of ``obj`` and of the objects embedded in it."""
    name = name or obj.get("type", "").removeprefix(TYPE_PREFIX)
    if not (SCHEMA_DIR / f"{name}.json").exists():
        return [f"{path or '/'}: unknown type {obj.get('type')!r}"]
    definition = schema(name)
    found = [
        f"{path}/{'/'.join(map(str, error.path))} ({name}): {error.message}"
        for error in Draft7Validator(definition, format_checker=formats).iter_errors(obj)
    ]
    for key, spec in definition.get("properties", {}).items():
        if key not in obj:
            continue
        embedded = spec.get("schema") or spec.get("items", {}).get("schema")
        if not embedded or spec.get("references") == "externalList":
            continue
        embedded = embedded.removesuffix(".json")
        values = obj[key] if isinstance(obj[key], list) else [obj[key]]
        for index, value in enumerate(values):
            if isinstance(value, dict):
                found += errors(value, embedded, f"{path}/{key}/{index}")
    return found
