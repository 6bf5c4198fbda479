"""Pages where coordinators keep stations, allies, postings, trainings and their
facilitators. Every object is fetched through the helpers below, scoped to the
request's organisation; every save is audited (who, what, when; never the values)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import CreateView, FormView, ListView, UpdateView

from haki.core.models import AuditEvent
from haki.core.views import ManageFormMixin, OrganisationPermissionMixin
from haki.partnership.manage_forms import (
    AllyForm,
    CoTrainerForm,
    FacilitatorForm,
    PostingForm,
    StationForm,
    TrainingForm,
)
from haki.partnership.models import Ally, Facilitator, Station, Training
from haki.partnership.views import TrainingView, get_ally_for_user, get_training_for_user


def get_station_for_user(request: HttpRequest, station_uuid: UUID) -> Station:
    """The one way views fetch a station: scoped to the request's organisation."""
    return get_object_or_404(Station, organisation=request.organisation, uuid=station_uuid)


class StationListView(OrganisationPermissionMixin, ListView):
    permission_required = "partnership.manage"
    template_name = "partnership/station_list.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Station]:
        return Station.objects.filter(organisation=self.request.organisation).select_related("area")


class StationFormMixin(ManageFormMixin):
    permission_required = "partnership.manage"
    form_class = StationForm
    template_name = "partnership/station_form.html"

    def get_success_url(self) -> str:
        return reverse("partnership:stations")


class StationCreateView(StationFormMixin, CreateView):
    page_title = gettext_lazy("New station")


class StationUpdateView(StationFormMixin, UpdateView):
    page_title = gettext_lazy("Edit station")

    def get_object(self, queryset: Any = None) -> Station:
        return get_station_for_user(self.request, self.kwargs["station"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        sizes = self.object.force_sizes.order_by("-on")
        return super().get_context_data(force_sizes=sizes, **kwargs)


class AllyFormMixin(ManageFormMixin):
    permission_required = "partnership.manage"
    form_class = AllyForm
    template_name = "partnership/ally_form.html"

    def get_success_url(self) -> str:
        return reverse("partnership:ally_edit", kwargs={"ally": self.object.uuid})


class AllyCreateView(AllyFormMixin, CreateView):
    page_title = gettext_lazy("New ally")


class AllyUpdateView(AllyFormMixin, UpdateView):
    page_title = gettext_lazy("Edit ally")

    def get_object(self, queryset: Any = None) -> Ally:
        ally = get_ally_for_user(self.request, self.kwargs["ally"])
        AuditEvent.record(self.request.user, AuditEvent.Action.VIEW, ally)
        return ally

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        postings = self.object.postings.select_related("station").order_by("-started_on", "-pk")
        return super().get_context_data(postings=postings, **kwargs)


class PostingView(OrganisationPermissionMixin, FormView):
    """Transfer an officer to a station, or record that they left the force."""

    permission_required = "partnership.manage"
    template_name = "partnership/posting_form.html"

    def get_form(self, form_class: Any = None) -> PostingForm:
        self.ally = get_ally_for_user(self.request, self.kwargs["ally"])
        return PostingForm(self.ally, **self.get_form_kwargs())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", self.get_form())  # finds the ally
        title = _("Transfer or departure")
        return super().get_context_data(ally=self.ally, page_title=title, **kwargs)

    def form_invalid(self, form: PostingForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form: PostingForm) -> HttpResponse:
        with transaction.atomic():
            posting = form.save()
            AuditEvent.record(self.request.user, AuditEvent.Action.CREATE, posting)
        messages.success(self.request, _("Saved."))
        return redirect("partnership:ally_edit", ally=self.ally.uuid)


class TrainingFormMixin(ManageFormMixin):
    permission_required = "partnership.manage"
    form_class = TrainingForm
    template_name = "partnership/training_form.html"

    def get_success_url(self) -> str:
        return reverse("partnership:training", kwargs={"training": self.object.uuid})


class TrainingCreateView(TrainingFormMixin, CreateView):
    page_title = gettext_lazy("New training")


class TrainingUpdateView(TrainingFormMixin, UpdateView):
    page_title = gettext_lazy("Edit training")

    def get_object(self, queryset: Any = None) -> Training:
        return get_training_for_user(self.request, self.kwargs["training"])


class AddFacilitatorView(TrainingView):
    """Name who taught: an ally by service number, or a consenting member by alias."""

    permission_required = "partnership.manage"
    http_method_names = ["post"]
    form_class: Any = FacilitatorForm
    context_name = "facilitator_form"

    def post(self, request: HttpRequest, training: UUID) -> HttpResponse:
        found = get_training_for_user(request, training)
        form = self.form_class(found, request.POST)
        if not form.is_valid():
            context = self.get_context_data(training=training, **{self.context_name: form})
            return self.render_to_response(context, status=400)
        with transaction.atomic():
            facilitator = form.save()
            AuditEvent.record(request.user, AuditEvent.Action.CHANGE, found)
        messages.success(request, _("Facilitator added."))
        return redirect("partnership:training", training=facilitator.training.uuid)


class AddCoTrainerView(AddFacilitatorView):
    form_class = CoTrainerForm
    context_name = "co_trainer_form"


class RemoveFacilitatorView(OrganisationPermissionMixin, View):
    permission_required = "partnership.manage"

    def post(self, request: HttpRequest, training: UUID, facilitator: int) -> HttpResponse:
        found = get_training_for_user(request, training)
        with transaction.atomic():
            get_object_or_404(Facilitator, training=found, pk=facilitator).delete()
            AuditEvent.record(request.user, AuditEvent.Action.CHANGE, found)
        messages.success(request, _("Facilitator removed."))
        return redirect("partnership:training", training=found.uuid)
