"""The shipped tools for tests, and the validator's functions bound to venvy's catalog."""

from __future__ import annotations

from nlcli_wizard import tools, validator

VENVY_TOOL = tools.load("venvy")
VENVY = VENVY_TOOL.catalog
SQLITE_TOOL = tools.load("sqlite-utils")
SQLITE = SQLITE_TOOL.catalog


def parse(line: str) -> validator.ParsedCommand:
    return validator.parse(line, VENVY)


def validate(line: str) -> validator.Validation:
    return validator.validate(line, VENVY)


def canonicalize(line: str) -> str:
    return validator.canonicalize(line, VENVY)


def equivalent(a: str, b: str) -> bool:
    return validator.equivalent(a, b, VENVY)
