"""``{{ record|may_approve:user }}``: show the approve button (four eyes) to those the service would accept."""

from django import template

register = template.Library()


@register.filter
def may_approve(record, user) -> bool:
    return record.may_be_approved_by(user)
