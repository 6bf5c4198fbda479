"""Reading a provisioning file: YAML, then the schema, with every problem named by its
line and field, never by its value (it may be a phone number)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError


@dataclass
class Problem:
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}: {self.field}: {self.message}"


class ProvisioningError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def field_name(loc: tuple[Any, ...]) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "(top level)"


def line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at ``loc``, or of its nearest parent."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if child is None:  # an unexpected key: point at the key itself
                child = next((k for k, _ in node.value if getattr(k, "value", None) == part), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            child = node.value[part]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def parse(text: str, schema: type[BaseModel]) -> tuple[BaseModel, yaml.Node]:
    """The file validated against ``schema``, and its YAML tree for line numbers."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ProvisioningError(
            [Problem(mark.line + 1 if mark else None, "(yaml)", problem)]
        ) from None
    if not isinstance(data, dict):
        raise ProvisioningError(
            [Problem(1, "(top level)", "must be a mapping with an 'organisation'")]
        )
    try:
        spec = schema.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(line_of(node, err["loc"]), field_name(err["loc"]), err["msg"])
            for err in exc.errors(include_input=False, include_url=False)
        ]
        raise ProvisioningError(problems) from None
    return spec, node
