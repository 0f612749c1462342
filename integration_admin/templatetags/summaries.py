"""``{{ summary.blocks|block_rows }}``, ``{{ versions|decision_rows }}``, ``{{ block|guideline }}``,
``{{ row.decisions|controlling_rows }}``: see integration_admin.summary_rows."""

from django import template

from integration_admin.summary_rows import block_row, controlling_row, decision_row, guideline_text, rows_html

register = template.Library()


@register.filter
def block_rows(blocks):
    return rows_html(block_row, blocks)


@register.filter
def decision_rows(versions):
    return rows_html(decision_row, versions)


@register.filter
def guideline(block):
    return guideline_text(block)


@register.filter
def controlling_rows(decisions):
    return rows_html(controlling_row, decisions)
