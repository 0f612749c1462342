"""Shared django-filter pieces: Bootstrap-styled filter forms and German date input."""

import copy

import django_filters
from django import forms
from django.utils.choices import normalize_choices
from django.utils.functional import Promise
from django_filters.fields import ChoiceIterator
from django_filters.filters import FilterMethod
from django_filters.filterset import FilterSetMetaclass

from integration_admin.core.forms import BootstrapFormMixin, GermanDateField
from integration_admin.core.widgets import FrozenChoices, _frozen


class BootstrapFilterForm(BootstrapFormMixin, forms.Form):
    pass


class GermanDateFilter(django_filters.DateFilter):
    """A date filter that reads "10.08.2020"."""

    field_class = GermanDateField


class _FieldsMadeForOneForm(dict):
    """Form fields that a form may use without copying them first.

    A form deep-copies its class's fields so that instances do not share them. django-filter builds
    a new form class with new fields for every FilterSet, i.e. for every request, and instantiates
    it once; the copy is pure cost, and with the positions filter's choice lists (300
    organisations, hundreds of building blocks) it was several milliseconds a request.
    """

    def __deepcopy__(self, memo):
        return dict(self)


def _is_label(value) -> bool:
    return isinstance(value, str | Promise)


def _already_normal(choices) -> bool:
    """Whether ``choices`` is a list of (value, label) pairs, or of (group, [pairs]) groups.

    Such a list is what Django's ``normalize_choices`` would return anyway; the filters build
    theirs in this form (hundreds of organisations and blocks), so the walk can be skipped.
    """
    return isinstance(choices, list) and all(
        type(choice) is tuple
        and len(choice) == 2
        and (
            _is_label(choice[1])
            or (
                isinstance(choice[1], list)
                and all(type(option) is tuple and len(option) == 2 and _is_label(option[1]) for option in choice[1])
            )
        )
        for choice in choices
    )


def _materialised(iterator: ChoiceIterator) -> list:
    """What iterating django-filter's choice iterator yields: empty and null choice, then the choices."""
    field = iterator.field
    head = []
    if field.empty_label is not None:
        head.append(("", field.empty_label))
    if field.null_label is not None:
        head.append((field.null_value, field.null_label))
    choices = iterator.choices
    if type(choices) is FrozenChoices:  # the head made of strings in the request's language, too
        return FrozenChoices((*_frozen(head), *choices))
    return head + (choices if _already_normal(choices) else normalize_choices(choices))


class _FiltersMadeForOneFilterSet(dict):
    """A filter set's filters, copied for each instance without a deep copy.

    django-filter deep-copies the class's filters for every filter set, i.e. every request,
    lazy labels, choice lists and all. An instance needs its own filter objects (it sets
    ``model`` and ``parent`` on them) and its own ``extra`` (the lists put their choices there),
    nothing deeper; a filter with ``method=`` gets its own FilterMethod, which finds the method on
    the instance's filter set.
    """

    def __deepcopy__(self, memo):
        copies = {}
        for name, filter_ in self.items():
            copied = copy.copy(filter_)
            copied.__dict__.pop("_field", None)  # a form field is built per instance, never shared
            copied.extra = dict(filter_.extra)
            if isinstance(copied.__dict__.get("filter"), FilterMethod):  # ``method=``: bound to its filter
                copied.filter = FilterMethod(copied)
            copies[name] = copied
        return copies


class _FilterSetMetaclass(FilterSetMetaclass):
    def __new__(mcs, name, bases, attrs):
        new_class = super().__new__(mcs, name, bases, attrs)
        new_class.base_filters = _FiltersMadeForOneFilterSet(new_class.base_filters)
        return new_class


class BaseFilterSet(django_filters.FilterSet, metaclass=_FilterSetMetaclass):
    """Subclasses write ``class Meta(BaseFilterSet.Meta)`` to keep the styled form."""

    class Meta:
        form = BootstrapFilterForm

    def get_form_class(self):
        form_class = super().get_form_class()  # a new class with this FilterSet's own new fields
        form_class.base_fields = _FieldsMadeForOneForm(form_class.base_fields)
        for field in form_class.base_fields.values():
            # django-filter's choice iterator normalises the whole list on every pass (validating a
            # value, rendering, counting: about ten per request); materialise it once.
            if isinstance(getattr(field, "_choices", None), ChoiceIterator):
                field._choices = field.widget._choices = _materialised(field._choices)
        return form_class
