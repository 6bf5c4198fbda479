"""The ``dhis2:`` provisioning section: where the external figures are pushed, and the
codes of the organisation units and data elements they go to."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from haki.core.models import Organisation
from haki.provisioning import Changes, Context, Section, Spec, register


class ElementSpec(Spec):
    code: str = Field(min_length=1, max_length=64)
    category_option_combo: str | None = Field(default=None, max_length=64)


class Dhis2Spec(Spec):
    url: str = Field(pattern=r"^https?://", max_length=300)
    token_file: str = Field(min_length=1, max_length=500)
    data_set: str = Field(min_length=1, max_length=64)
    org_units: dict[str, str] = Field(min_length=1, max_length=500)
    data_elements: dict[str, str | ElementSpec | list[ElementSpec]] = Field(
        min_length=1, max_length=200
    )
    schedule: Literal["monthly", "weekly", "off"] = "off"

    @field_validator("url")
    @classmethod
    def https_unless_local(cls, value: str) -> str:
        from haki.reports.dhis2 import sends_token_in_clear

        if sends_token_in_clear(value):
            raise ValueError(
                "must be https:// (http:// only to this machine: localhost, 127.0.0.1, ::1), "
                "since the push sends an API token"
            )
        return value


def check_dhis2(context: Context, spec: Dhis2Spec | None) -> None:
    from haki.reports.catalogue import get

    if spec is None:
        return
    for code in spec.org_units:
        if code not in context.area_codes:
            context.problem(("dhis2", "org_units", code), "there is no area with this code")
    for key in spec.data_elements:
        indicator = get(key)
        if indicator is None:
            context.problem(("dhis2", "data_elements", key), "there is no indicator with this key")
        elif not indicator.external:
            context.problem(
                ("dhis2", "data_elements", key), "this indicator may not leave the organisation"
            )


def reconcile_dhis2(organisation: Organisation, spec: Dhis2Spec | None, changes: Changes) -> None:
    if spec is None:
        return
    wanted = spec.model_dump(mode="json")
    if organisation.settings.get("dhis2") != wanted:
        organisation.settings = {**organisation.settings, "dhis2": wanted}
        organisation.save(update_fields=["settings"])
        changes.note("dhis2", None, organisation, False, ["settings"])
    else:
        changes.note("dhis2", None, organisation, False)


register(
    Section(
        name="dhis2",
        item=Dhis2Spec,
        reconcile=reconcile_dhis2,
        check=check_dhis2,
        after=("areas",),
    )
)
